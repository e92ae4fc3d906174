"""Demo coordination requests: a year of requests between departments.

Built through the services as the heads of the departments, so every move is in the thread;
then the timestamps are spread over the past year (the services stamp "now"), with response and
resolution times that differ by department: some answer within hours, some take days and miss
their targets. Deterministic for a seed; a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from core import demo
from operations.demo_plans import settle_notifications
from operations.models import CoordinationRequest, CoordinationUpdate
from operations.services import coordination as services
from organization.models import Department, Notification

SUBJECTS = [
    (
        "Headcount figures for the quarterly review",
        "Cifras de plantilla para la revisión trimestral",
    ),
    (
        "Delivery schedule for the northern stores",
        "Calendario de entregas para las tiendas del norte",
    ),
    (
        "Budget check for the new forklifts",
        "Comprobación de presupuesto para las nuevas carretillas",
    ),
    ("Access to the supplier portal", "Acceso al portal de proveedores"),
    ("Training room for the safety course", "Sala de formación para el curso de seguridad"),
    ("Customer complaint about late invoices", "Reclamación de un cliente por facturas tardías"),
    ("Data extract for the sales forecast", "Extracción de datos para la previsión de ventas"),
    ("Review of the new contract template", "Revisión de la nueva plantilla de contrato"),
    ("Laptops for three new starters", "Portátiles para tres incorporaciones"),
    ("Stock count before the audit", "Recuento de existencias antes de la auditoría"),
    ("Translation of the product sheets", "Traducción de las fichas de producto"),
    ("Overtime approval for the peak season", "Aprobación de horas extra para la temporada alta"),
]
DETAILS = [
    "We need this to close our part of the work on time. Details in the attached notes.",
    "Lo necesitamos para cerrar nuestra parte a tiempo. Más detalles en la conversación.",
    "Please confirm who on your side will handle it.",
    "Por favor, confirmad quién se encarga por vuestra parte.",
]
RESOLUTIONS = [
    "Sent by e-mail and filed in the shared folder.",
    "Enviado por correo y guardado en la carpeta compartida.",
    "Done; the new schedule starts next Monday.",
    "Hecho; el nuevo calendario empieza el lunes.",
]
DECLINES = [
    "Not our area: Finance owns this data.",
    "No disponemos de capacidad este mes; proponemos el próximo.",
]
#: Requests per department per year (the small company gets about 150).
PER_DEPARTMENT = 19


def build(*, size: str, seed: int, today: date, log) -> str:
    if CoordinationRequest.objects.exists():
        return "already there"
    rng = random.Random(f"{seed}:coordination")
    departments = list(
        Department.objects.active()
        .filter(head__isnull=False, head__user__is_active=True)
        .select_related("head__user")
        .order_by("code")[:25]
    )
    if len(departments) < 2:
        return "skipped (fewer than two departments with a head)"
    # How quickly each department answers (hours) and resolves (days), as a typical value.
    # How each department keeps to the service levels: a multiple of the targets.
    pace = {d.pk: rng.choice([0.5, 0.7, 0.9, 1.1, 1.5]) for d in departments}
    targets = services.service_levels()
    now = timezone.now()
    total = PER_DEPARTMENT * len(departments)
    created = 0
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with demo.one_transaction():
        for index in range(total):
            source, target = rng.sample(departments, 2)
            english, spanish = rng.choice(SUBJECTS)
            subject = english if index % 2 == 0 else spanish
            priority = rng.choices(["low", "normal", "high", "urgent"], weights=[2, 6, 3, 1])[0]
            age_days = rng.uniform(0, 365) if rng.random() < 0.8 else rng.uniform(0, 21)
            opened = now - timedelta(days=age_days)
            level = targets[priority]
            slowness = pace[target.pk]
            response_after = timedelta(
                hours=level.response_hours * slowness * rng.uniform(0.1, 1.4)
            )
            resolve_after = timedelta(days=level.resolution_days * slowness * rng.uniform(0.2, 1.3))
            # Where the story has got to by now.
            if opened + response_after > now:
                story = "open"
            elif rng.random() < 0.07:
                story = "declined"
            elif opened + response_after + resolve_after > now:
                story = rng.choice(["accepted", "in_progress"])
            elif opened + response_after + resolve_after + timedelta(days=3) > now:
                story = "resolved"
            else:
                story = "reopened" if rng.random() < 0.05 else "closed"
            requester, receiver = source.head.user, target.head.user
            with transaction.atomic():
                request = services.request_create(
                    user=requester,
                    from_department=source,
                    to_department=target,
                    subject=subject,
                    details=rng.choice(DETAILS),
                    needed_by=today,
                    priority=priority,
                )
                moves: list[tuple[str, object, str]] = []
                if story == "declined":
                    moves.append(("decline", receiver, rng.choice(DECLINES)))
                elif story != "open":
                    moves.append(("accept", receiver, ""))
                    if story != "accepted":
                        moves.append(("start", receiver, ""))
                    if story in ("resolved", "closed", "reopened"):
                        moves.append(("resolve", receiver, rng.choice(RESOLUTIONS)))
                    if story == "reopened":
                        moves.append(("reopen", requester, "Part of it is still missing."))
                        moves.append(("resolve", receiver, rng.choice(RESOLUTIONS)))
                    if story in ("closed", "reopened"):
                        moves.append(("close", requester, ""))
                comment_after = 1 if rng.random() < 0.3 else -1
                for step, (move, user, text) in enumerate(moves, start=1):
                    request = services.request_move(
                        request=request, user=user, move=move, text=text
                    )
                    if step == comment_after:
                        services.request_comment(
                            request=request,
                            user=requester,
                            text="Thanks — any news? / Gracias, ¿alguna novedad?",
                        )
                _backdate(request, opened, response_after, resolve_after, story, targets, rng)
            created += 1
    # What happened long ago was read long ago; what still waits for someone stays unread.
    waiting = CoordinationRequest.objects.filter(
        status__in=[*CoordinationRequest.ACTIVE, CoordinationRequest.Status.RESOLVED]
    )
    settle_notifications(since, keep_urls={r.get_absolute_url() for r in waiting.only("pk")})
    return f"{created} coordination requests"


def _backdate(request, opened, response_after, resolve_after, story, targets, rng) -> None:
    """Spread the request's history from ``opened``: its due times, answers and thread."""
    target = targets[request.priority]
    responded = opened + response_after if story != "open" else None
    resolved = (
        opened + response_after + resolve_after
        if story in ("resolved", "closed", "reopened")
        else None
    )
    closed = (
        resolved + timedelta(hours=rng.uniform(2, 60)) if story in ("closed", "reopened") else None
    )
    CoordinationRequest.objects.filter(pk=request.pk).update(
        created_at=opened,
        updated_at=closed or resolved or responded or opened,
        needed_by=timezone.localtime(opened).date() + timedelta(days=rng.randint(3, 30)),
        response_due_at=opened + timedelta(hours=target.response_hours),
        resolution_due_at=opened + timedelta(days=target.resolution_days),
        first_response_at=responded,
        resolved_at=resolved,
        closed_at=closed,
    )
    updates = list(CoordinationUpdate.objects.filter(request=request).order_by("pk"))
    moments = _spread(opened, closed or resolved or responded or opened, len(updates))
    for update, moment in zip(updates, moments, strict=True):
        update.created_at = moment
    CoordinationUpdate.objects.bulk_update(updates, ["created_at"])


def _spread(start: datetime, end: datetime, count: int) -> list[datetime]:
    if count <= 1:
        return [start] * count
    step = (end - start) / (count - 1)
    return [start + step * i for i in range(count)]
