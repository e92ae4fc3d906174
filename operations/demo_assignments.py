"""Demo assignments: about thirty tasks from the CEO and the COO, in every state.

Built through the services as the people of the demo cast; deterministic for a seed, and a
second run adds nothing (an assignment whose title exists is skipped). Due dates in the past
(overdue work) are set after creation, since the service rightly refuses them.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from operations.models import Assignment, AssignmentUpdate
from operations.services import assignments as services
from organization.models import Department, Person, User

TITLES = [
    "Prepare the board pack for the quarterly review",
    "Preparar el informe de cierre trimestral",
    "Review the warehouse insurance renewal",
    "Revisar los contratos de transporte vigentes",
    "Propose three cost savings for next year",
    "Analizar la rotación de personal del último semestre",
    "Visit the northern distribution centre and report",
    "Organizar la reunión anual con proveedores clave",
    "Benchmark our delivery times against two competitors",
    "Actualizar el mapa de riesgos operativos",
    "Draft a response to the customer complaint from Acme",
    "Coordinar la auditoría externa de calidad",
    "Check the status of the ERP upgrade",
    "Preparar la propuesta de presupuesto de formación",
    "Summarise the results of the staff survey",
    "Revisar los indicadores de servicio al cliente",
    "Plan the move of the archive to the new building",
    "Elaborar un plan de contingencia para la temporada alta",
    "Collect the department heads' ideas for the offsite",
    "Negociar las condiciones de pago con el banco",
    "Estimate the cost of a second production shift",
    "Revisar la política de viajes y gastos",
    "Prepare the sustainability figures for the annual report",
    "Investigar el retraso en los pedidos de exportación",
    "Review the open positions with Recruiting",
    "Preparar la presentación para el consejo de administración",
    "Assess the proposal for a new CRM",
    "Documentar el proceso de cierre mensual",
    "Find a venue for the customer day",
    "Evaluar el piloto de teletrabajo",
]

#: How each assignment ends up: the moves after creation, and whether it is overdue.
STORIES = [
    ("open", False),
    ("in_progress", False),
    ("done", False),
    ("closed", False),
    ("cancelled", False),
    ("open", True),
    ("in_progress", True),
    ("reopened", False),
    ("closed", False),
    ("in_progress", False),
]

COMMENTS = [
    "First figures attached by e-mail; the rest follows this week.",
    "Necesitamos los datos de Finanzas para terminar.",
    "Waiting for the supplier's answer.",
    "Avanzamos según lo previsto.",
]


def _worker(assignment: Assignment) -> User | None:
    """Someone on the assignee side to make the moves."""
    if assignment.assignee_id:
        return assignment.assignee
    department = assignment.department
    if department.head_id:
        return department.head.user
    person = Person.objects.filter(department=department, active=True).select_related("user")
    first = person.order_by("pk").first()
    return first.user if first else None


def build(*, size: str, seed: int, today: date, log) -> str:
    rng = random.Random(f"{seed}:assignments")
    assigners = {u.username: u for u in User.objects.filter(username__in=["ceo", "coo"])}
    if len(assigners) < 2:
        return "skipped (no CEO or COO)"
    departments = list(Department.objects.active().order_by("code")[:12])
    people = list(
        User.objects.filter(
            is_active=True, person__active=True, person__department__isnull=False
        ).order_by("username")[:60]
    )
    if not departments or not people:
        return "skipped (no departments)"
    existing = set(Assignment.objects.filter(title__in=TITLES).values_list("title", flat=True))
    created = 0
    for index, title in enumerate(TITLES):
        choice_person = rng.choice(people)
        choice_department = rng.choice(departments)
        priority = rng.choice(Assignment.Priority.values)
        days = rng.randint(5, 40)
        if title in existing:
            continue
        story, overdue = STORIES[index % len(STORIES)]
        assigner = assigners["ceo" if index % 2 == 0 else "coo"]
        to_person = index % 3 != 2
        with transaction.atomic():
            assignment = services.assignment_create(
                user=assigner,
                title=title,
                description=title + ".",
                priority=priority,
                due_date=today + timedelta(days=days),
                assignee=choice_person if to_person else None,
                department=None if to_person else choice_department,
            )
            worker = _worker(assignment)
            if worker is None:
                continue
            if story != "open" and story != "cancelled":
                services.assignment_start(assignment=assignment, user=worker)
                services.assignment_comment(
                    assignment=assignment, user=worker, text=COMMENTS[index % len(COMMENTS)]
                )
            if story in ("done", "closed", "reopened"):
                services.assignment_complete(assignment=assignment, user=worker)
            if story == "closed":
                services.assignment_confirm(assignment=assignment, user=assigner)
            if story == "reopened":
                services.assignment_reopen(
                    assignment=assignment,
                    user=assigner,
                    reason="The figures for March are missing. / Faltan las cifras de marzo.",
                )
            if story == "cancelled":
                services.assignment_cancel(assignment=assignment, user=assigner)
            # Spread the history over the past weeks, and make some work overdue.
            age = days + rng.randint(3, 20)
            started = timezone.now() - timedelta(days=age)
            Assignment.objects.filter(pk=assignment.pk).update(created_at=started)
            AssignmentUpdate.objects.filter(assignment=assignment, from_status="").update(
                created_at=started
            )
            if overdue:
                Assignment.objects.filter(pk=assignment.pk).update(
                    due_date=today - timedelta(days=rng.randint(1, 10))
                )
        created += 1
    return f"{created} assignments created"
