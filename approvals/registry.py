"""The approvable models and their policies."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

from approvals.policies import ApprovalPolicy


@dataclass(frozen=True)
class Registration:
    model: type[models.Model]
    policy: ApprovalPolicy

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


REGISTRY: dict[str, Registration] = {}


def register(model: type[models.Model], policy: ApprovalPolicy | None = None) -> None:
    """Declare ``model`` approvable. It must inherit ``Approvable``, have a ``for_user``
    queryset method, ``get_approval_department_id()``, ``approval_department_lookup`` (the
    queryset path to its department) and ``get_absolute_url()``."""
    registration = Registration(model=model, policy=policy or ApprovalPolicy())
    REGISTRY[registration.label] = registration


def registration_for(obj_or_model) -> Registration:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    return REGISTRY[model._meta.label_lower]
