"""Demo decisions: a few dozen problems the COO brought to the CEO over the past year.

Most are decided (some after a question or a deferral, some with follow-up assignments), a few
wait in the CEO's queue, one is past its deadline. Built through the services as the COO and the
CEO, then dated over the year. Deterministic for a seed; a second run adds nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from core import demo
from operations.demo_plans import settle_notifications
from operations.models import (
    ActionItem,
    Assignment,
    CoordinationRequest,
    DecisionEvent,
    DecisionRequest,
)
from operations.services import decisions as services
from organization.models import Notification, User

PROBLEMS = [
    (
        "Second shift at the main warehouse",
        "Orders grew 18% this year and the warehouse closes at 18:00. Late orders wait a day.",
        [
            ("Add a second shift", "Same-day dispatch for late orders", "Eight more people"),
            ("Outsource late orders", "No hiring", "Higher cost per order; less control"),
            ("Keep as is", "No cost", "Customer complaints keep growing"),
        ],
        "Add a second shift from next quarter, reviewed after three months.",
    ),
    (
        "Cambio de proveedor de transporte",
        "El proveedor actual ha incumplido los plazos en el 12% de los envíos del trimestre.",
        [
            ("Cambiar de proveedor", "Mejores plazos ofertados", "Coste de transición"),
            ("Renegociar con penalizaciones", "Sin cambios operativos", "Puede no mejorar"),
        ],
        "Renegociar con penalizaciones y preparar la alternativa.",
    ),
    (
        "ERP upgrade timing",
        "The ERP vendor ends support for our version next year. Finance prefers after closing.",
        [
            ("Upgrade in the summer", "Low season", "Holidays reduce the team"),
            ("Upgrade after the year-end close", "Finance is free", "Close to end of support"),
        ],
        "Upgrade in the summer with the vendor's team on site.",
    ),
    (
        "Presupuesto extra para formación en seguridad",
        "Dos incidentes leves en el almacén; la formación actual es de hace tres años.",
        [
            ("Formación para toda la plantilla", "Cobertura total", "Coste y horas"),
            ("Solo para el almacén", "Coste menor", "Deja fuera a mantenimiento"),
        ],
        "Formación para el almacén y mantenimiento este trimestre.",
    ),
    (
        "Office move of the customer service team",
        "Customer service needs twelve more desks; the second floor has space from March.",
        [
            ("Move to the second floor", "Room to grow", "Two weeks of disruption"),
            ("Hybrid work rota", "No move", "Harder coaching of new staff"),
        ],
        "Hybrid rota now, move in March.",
    ),
    (
        "Conflicto de prioridades entre Compras y Producción",
        "Compras y Producción no se ponen de acuerdo en el calendario de pedidos del trimestre.",
        [
            ("Priorizar Producción", "Evita paradas de línea", "Más stock inmovilizado"),
            ("Priorizar Compras", "Mejores precios", "Riesgo de paradas"),
            ("Comité semanal conjunto", "Decisiones compartidas", "Una reunión más"),
        ],
        "Comité semanal conjunto durante el trimestre.",
    ),
]
INSTRUCTIONS = [
    "Go ahead; report the first results at the monthly meeting.",
    "Adelante. Quiero ver el seguimiento en el informe mensual.",
    "Approved with a cap on the cost; come back if it goes over.",
]
#: Decision requests in the small company (scaled a little with the size).
COUNT = {"small": 30, "medium": 40, "large": 50}


def build(*, size: str, seed: int, today: date, log) -> str:
    if DecisionRequest.objects.exists():
        return "already there"
    rng = random.Random(f"{seed}:decisions")
    people = {u.username: u for u in User.objects.filter(username__in=["ceo", "coo"])}
    if len(people) < 2:
        return "skipped (no CEO or COO)"
    ceo, coo = people["ceo"], people["coo"]
    sources = {
        "coordination_request": list(
            CoordinationRequest.objects.filter(status__in=["declined", "in_progress", "open"])
            .select_related("to_department")
            .order_by("pk")[:20]
        ),
        "action_item": list(ActionItem.objects.select_related("department").order_by("pk")[:20]),
        "assignment": list(Assignment.objects.order_by("pk")[:10]),
    }
    assignees = list(
        User.objects.filter(is_active=True, person__department__isnull=False).order_by("pk")[:40]
    )
    count = COUNT.get(size, 30)
    now = timezone.now()
    created = 0
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with demo.one_transaction():
        for index in range(count):
            title, context, options, recommendation = PROBLEMS[index % len(PROBLEMS)]
            round_number = index // len(PROBLEMS)
            if round_number:
                title = f"{title} ({round_number + 1})"
            # The newest few stay pending; the rest are spread over the year and decided.
            pending = index >= count - 5
            if pending:
                age = rng.randint(1, 12)
            elif index >= count - 10:  # the latest decisions, whose follow-ups are under way
                age = rng.randint(5, 50)
            else:
                age = rng.randint(40, 360)
            escalated = now - timedelta(days=age, hours=rng.randint(0, 8))
            kind = rng.choice(["coordination_request", "action_item", "assignment", None, None])
            links = {}
            if kind and sources[kind]:
                links[kind] = rng.choice(sources[kind])
            with transaction.atomic():
                decision = services.decision_create(
                    user=coo,
                    title=title,
                    context=context,
                    options=[{"title": t, "pros": p, "cons": c} for t, p, c in options],
                    recommendation=recommendation,
                    deadline=today + timedelta(days=7),
                    **links,
                )
                deadline = timezone.localtime(escalated).date() + timedelta(days=rng.randint(5, 14))
                if pending:
                    # One overdue, one with a question for the COO, one deferred, the rest open.
                    story = ["overdue", "info", "deferred", "open", "open"][index - (count - 5)]
                    if story == "info":
                        services.decision_request_info(
                            decision=decision,
                            user=ceo,
                            question="What does each option cost over two years?",
                        )
                    elif story == "deferred":
                        services.decision_defer(
                            decision=decision,
                            user=ceo,
                            new_deadline=today + timedelta(days=rng.randint(10, 20)),
                            note="After the board meeting.",
                        )
                        deadline = None
                    elif story == "overdue":
                        deadline = today - timedelta(days=2)
                    elif deadline < today:
                        deadline = today + timedelta(days=rng.randint(2, 9))
                    if deadline is not None:
                        DecisionRequest.objects.filter(pk=decision.pk).update(deadline=deadline)
                    _date_events(decision, escalated, escalated + timedelta(days=1))
                else:
                    if rng.random() < 0.2:
                        services.decision_request_info(
                            decision=decision,
                            user=ceo,
                            question="Which option do the heads prefer?",
                        )
                        services.decision_provide_info(
                            decision=decision,
                            user=coo,
                            answer="Most heads prefer the first option; Finance prefers the second.",
                        )
                    follow_ups = []
                    if age < 60 and assignees:
                        follow_ups.append(
                            services.FollowUp(
                                title=f"Follow-up: {title}",
                                due_date=today + timedelta(days=rng.randint(5, 30)),
                                assignee=rng.choice(assignees),
                            )
                        )
                    decision = services.decision_decide(
                        decision=decision,
                        user=ceo,
                        option=rng.choice([1, 1, 2, len(options)]),
                        instructions=rng.choice(INSTRUCTIONS),
                        follow_ups=follow_ups,
                    )
                    decided = escalated + timedelta(days=rng.uniform(0.2, 9))
                    DecisionRequest.objects.filter(pk=decision.pk).update(
                        deadline=deadline, decided_at=decided, updated_at=decided
                    )
                    _date_events(decision, escalated, decided)
                DecisionRequest.objects.filter(pk=decision.pk).update(created_at=escalated)
            created += 1
    # Old decisions were read long ago; the pending ones still wait for the CEO or the COO.
    waiting = DecisionRequest.objects.pending().only("pk")
    settle_notifications(since, keep_urls={d.get_absolute_url() for d in waiting})
    return f"{created} decision requests"


def _date_events(decision: DecisionRequest, start, end) -> None:
    events = list(DecisionEvent.objects.filter(decision=decision).order_by("pk"))
    if not events:
        return
    step = (end - start) / max(len(events) - 1, 1)
    for i, event in enumerate(events):
        event.created_at = start + step * i
    DecisionEvent.objects.bulk_update(events, ["created_at"])
