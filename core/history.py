"""Readable change history from django-simple-history records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Change:
    field: str
    old: Any
    new: Any


def history_with_changes(records_qs, *, limit: int = 20) -> list[dict[str, Any]]:
    """The latest ``limit`` records, each with the fields it changed against the one before.

    Reads ``limit + 1`` records in one query and compares neighbours in Python, instead of
    asking each record for its predecessor (a query per row).
    """
    records = list(records_qs.order_by("-history_date", "-history_id")[: limit + 1])
    raw: list[tuple[Any, list[tuple[Any, Any, Any]]]] = []
    related_ids: dict[Any, set[Any]] = {}
    for index, record in enumerate(records[:limit]):
        previous = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if previous is not None and record.history_type == "~":
            for change in record.diff_against(previous).changes:
                field = record.instance_type._meta.get_field(change.field)
                changes.append((field, change.old, change.new))
                if field.is_relation and field.many_to_one:
                    related_ids.setdefault(field.related_model, set()).update(
                        v for v in (change.old, change.new) if v is not None
                    )
        raw.append((record, changes))
    # One query per related model (not per change) to show names instead of ids.
    names = {}
    for model, ids in related_ids.items():
        objects = model._default_manager.filter(pk__in=ids)
        # A person's name lives on their login: fetch it in the same query.
        forward = [f.name for f in model._meta.fields if f.one_to_one and f.name == "user"]
        if forward:
            objects = objects.select_related(*forward)
        names[model] = {obj.pk: str(obj) for obj in objects}

    def shown(field, value):
        if value is not None and field.is_relation and field.many_to_one:
            return names[field.related_model].get(value, value)
        return value

    return [
        {
            "record": record,
            "changes": [
                Change(str(field.verbose_name), shown(field, old), shown(field, new))
                for field, old, new in changes
            ],
        }
        for record, changes in raw
    ]
