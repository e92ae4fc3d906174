"""The workflow endpoints for any approvable resource of the API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from approvals.models import Action
from approvals.registry import registration_for
from approvals.services import transition
from core.exceptions import NotAllowed


class ApprovalNoteSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, help_text="Why (required to return)."
    )


class ApprovalActionsMixin:
    """Adds ``POST {id}/submit/``, ``approve/``, ``return/``, ``publish/``, ``archive/``.

    A viewset using it sets ``read_serializer_class`` (what the answer shows) and may override
    ``get_approval_target(obj)`` when the approvable object is not the resource itself (a
    regulation's working version, say). Refusals come back as 400, 403 or 404 with a reason.
    """

    read_serializer_class: type[serializers.Serializer]

    def get_approval_target(self, obj):
        return obj

    def _move(self, request, action_name: str):
        obj = self.get_object()
        payload = ApprovalNoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        note = payload.validated_data.get("note") or request.data.get("reason", "")
        target = self.get_approval_target(obj)
        # The resource is visible to the user, though the version it acts on may not be (a
        # company-wide draft, for a department head): say "not allowed" rather than "not found".
        registration = registration_for(target)
        if not registration.model.objects.for_user(request.user).filter(pk=target.pk).exists():
            refusal = registration.policy.refusal(request.user, target, action_name)
            if refusal:
                raise NotAllowed(refusal)
        transition(obj=target, action=action_name, user=request.user, note=note)
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(
            self.read_serializer_class(fresh, context=self.get_serializer_context()).data
        )

    @extend_schema(request=ApprovalNoteSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        return self._move(request, Action.SUBMIT)

    @extend_schema(request=ApprovalNoteSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        return self._move(request, Action.APPROVE)

    @extend_schema(request=ApprovalNoteSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_changes(self, request, *args, **kwargs):
        return self._move(request, Action.RETURN)

    @extend_schema(request=ApprovalNoteSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        return self._move(request, Action.PUBLISH)

    @extend_schema(request=ApprovalNoteSerializer)
    @action(detail=True, methods=["post"])
    def archive(self, request, *args, **kwargs):
        return self._move(request, Action.ARCHIVE)
