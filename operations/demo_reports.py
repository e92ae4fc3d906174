"""Demo work reports: a year of weekly and monthly department reports, reviews and action items.

Every department gets its report schedules (most weekly by Monday 12:00, a couple on Tuesday
morning or Friday afternoon; monthly by the 3rd or the 5th). Then, for the last 52 weeks and 12
months, each department's head writes and submits the report, the COO returns a few and
reviews and rates most of them, and problems become action items that their owners start and
close. Each report's story (on time or late, missing, returned, how long the review took) is
drawn first. For the recent periods (``SERVICE_PERIODS``, where drafts, reports awaiting review,
returned ones and open action items are) the services are called for the moves whose time has
come, as the people concerned, and the timestamps are moved into the past afterwards in bulk
(``created_at``, submission and review times, ``on_time`` recomputed from ``due_at``, the
events, the action items' dates and history). The older, settled periods are inserted in bulk
with exactly the fields and events the services leave: through the services one by one, a year
of reports took half a minute for the small company.
A couple of departments are chronically late, and rated lower. A few people also report monthly
to their managers. A report that exists for a department (or author), kind and period is left
alone: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from core import demo
from operations.demo_plans import (
    Team,
    leaders,
    set_rows,
    settle_notifications,
    teams,
)
from operations.models import (
    ActionItem,
    ReportKind,
    ReportSchedule,
    WorkReport,
    WorkReportEvent,
    WorkReportKpi,
)
from operations.models.reports import Weekday
from operations.services import reports as services
from organization.models import Department, Notification, User

WEEKS = 52
MONTHS = 12
#: The recent periods written through the services one move at a time (where every state
#: shows); older periods, all settled, are inserted in bulk as the services would leave them.
SERVICE_PERIODS = {ReportKind.WEEKLY: 4, ReportKind.MONTHLY: 1}

# -- what the reports say ----------------------------------------------------------------------

MONTH_NAMES = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}


@dataclass(frozen=True)
class KpiSpec:
    name: tuple[str, str]  # (English, Spanish)
    unit: str
    target: float
    spread: float  # how far a period's value strays from the target
    higher_is_better: bool = True


def _k(name, unit, target, spread, higher=True):
    return KpiSpec(name, unit, target, spread, higher)


KPIS: dict[str, list[KpiSpec]] = {
    "OPS": [
        _k(("On-time deliveries", "Entregas a tiempo"), "%", 95, 4),
        _k(("OEE", "OEE"), "%", 76, 5),
        _k(("Orders shipped", "Pedidos expedidos"), "orders", 1800, 250),
        _k(("Lost-time incidents", "Accidentes con baja"), "count", 0, 1, False),
    ],
    "FIN": [
        _k(("Days sales outstanding", "Periodo medio de cobro"), "days", 48, 6, False),
        _k(("Cash position", "Posición de tesorería"), "EUR k", 3200, 450),
        _k(("Invoices issued on time", "Facturas emitidas a tiempo"), "%", 97, 3),
    ],
    "HR": [
        _k(("Open positions", "Vacantes abiertas"), "count", 6, 3, False),
        _k(("Absence rate", "Tasa de absentismo"), "%", 3.5, 1.2, False),
        _k(("Training hours", "Horas de formación"), "hours", 120, 40),
        _k(("New hires", "Incorporaciones"), "people", 3, 2),
    ],
    "IT": [
        _k(("Tickets resolved", "Incidencias resueltas"), "count", 140, 30),
        _k(("Availability of core systems", "Disponibilidad de sistemas"), "%", 99.7, 0.3),
        _k(("Mean time to resolve", "Tiempo medio de resolución"), "hours", 9, 4, False),
    ],
    "SAL": [
        _k(("Net sales", "Ventas netas"), "EUR k", 640, 120),
        _k(("New customers", "Clientes nuevos"), "count", 5, 3),
        _k(("Quotes sent", "Ofertas enviadas"), "count", 45, 12),
        _k(("Win rate", "Tasa de éxito"), "%", 32, 7),
    ],
    "LOG": [
        _k(("Orders shipped complete", "Pedidos completos"), "%", 97, 2.5),
        _k(("Transport cost per order", "Coste de transporte por pedido"), "EUR", 38, 5, False),
        _k(("Inventory accuracy", "Exactitud del inventario"), "%", 98.5, 1.2),
    ],
    "PRD": [
        _k(("Units produced", "Unidades producidas"), "count", 18000, 2200),
        _k(("Scrap rate", "Tasa de rechazo"), "%", 3, 1, False),
        _k(("Unplanned downtime", "Paradas no planificadas"), "hours", 5, 3, False),
    ],
    "ACC": [
        _k(("Invoices paid on time", "Facturas pagadas en plazo"), "%", 94, 4),
        _k(("Invoices processed", "Facturas procesadas"), "count", 900, 150),
        _k(
            ("Open reconciliation items", "Partidas pendientes de conciliar"), "count", 15, 8, False
        ),
    ],
}
GENERIC_KPIS = [
    _k(("Requests handled", "Solicitudes atendidas"), "count", 120, 30),
    _k(("Handled within the agreed time", "Atendidas en plazo"), "%", 92, 5),
    _k(("Budget used", "Presupuesto consumido"), "%", 100, 8, False),
    _k(("Open backlog", "Pendientes abiertos"), "count", 20, 8, False),
]
UNITS_ES = {"orders": "pedidos", "days": "días", "hours": "horas", "people": "personas"}

TEXT = {
    "en": {
        "summary": [
            "A steady {period} for {name}: the main figures are on target.",
            "A busy {period}; volumes above plan and the team kept up.",
            "Mixed {period} for {name}: good volumes, but one figure below target.",
            "Quiet {period}; we used it to clear the backlog.",
            "{period_cap} closed as planned; details below.",
        ],
        "accomplishments": [
            "- Closed the open points from the last review.\n- Trained two new colleagues.",
            "- Delivered the monthly figures on time.\n- Agreed the new routine with Finance.",
            "- Finished the procedure review.\n- Cut the backlog by a third.",
            "- Supplier meeting held; new delivery slots agreed.\n- Team meeting on safety.",
            "- Dashboard updated every day.\n- Two improvement ideas put into practice.",
        ],
        "next_steps": [
            "Keep the backlog under control and prepare the quarterly review.",
            "Roll out the new checklist to the whole team.",
            "Follow up the open action items and close at least two.",
            "Plan holidays so that every shift stays covered.",
            "Prepare the figures for the budget review.",
        ],
        "support": [
            "Approval for one temporary hire during the peak.",
            "A decision on the tool purchase we proposed last month.",
            "Help from IT with the access rights of the new team members.",
        ],
        "review": {
            5: ["Excellent report, clear and complete.", "Very good work, thank you."],
            4: ["Good report; keep the action items moving.", "Clear and on target."],
            3: [
                "Fine, but give the causes when a figure is off target.",
                "Acceptable; the next steps need owners and dates.",
            ],
            2: [
                "Too thin: the figures are there but not the explanation.",
                "Late and incomplete; let's talk this week.",
            ],
            1: ["This does not tell me what happened; redo it properly next time."],
        },
        "return": [
            "The KPI figures do not match the dashboard; please check them.",
            "Add the causes of the delays and who is acting on them.",
            "The next steps are missing dates; please complete them.",
        ],
        "revised": "\n- Figures checked and causes added after the review.",
        "resolution": [
            "Done; checked at the weekly meeting.",
            "Fixed with the supplier; no repeat since.",
            "Solved by changing the routine; procedure updated.",
            "Budget approved and the measure is in place.",
        ],
        "cancel": "No longer relevant after the reorganisation.",
        "individual_summary": "My {period}: main tasks on track.",
        "individual_done": "- Finished the assigned tasks.\n- Helped with the month-end close.",
        "individual_next": "Continue with the open tasks and the training course.",
    },
    "es": {
        "summary": [
            "{period_cap} tranquila para {name}: las cifras principales están en objetivo.",
            "{period_cap} con mucho volumen, por encima del plan; el equipo respondió bien.",
            "{period_cap} irregular para {name}: buenos volúmenes, pero un indicador por debajo.",
            "{period_cap} con poca actividad; la aprovechamos para reducir pendientes.",
            "Cerramos {period} según lo previsto; detalles a continuación.",
        ],
        "accomplishments": [
            "- Cerrados los puntos abiertos de la última revisión.\n- Formados dos compañeros.",
            "- Cifras mensuales entregadas a tiempo.\n- Nueva rutina acordada con Finanzas.",
            "- Terminada la revisión del procedimiento.\n- Pendientes reducidos en un tercio.",
            "- Reunión con el proveedor; nuevas franjas de entrega.\n- Charla de seguridad.",
            "- Cuadro de mando actualizado a diario.\n- Dos mejoras puestas en práctica.",
        ],
        "next_steps": [
            "Mantener los pendientes bajo control y preparar la revisión trimestral.",
            "Extender la nueva lista de comprobación a todo el equipo.",
            "Seguir las acciones abiertas y cerrar al menos dos.",
            "Planificar las vacaciones para cubrir todos los turnos.",
            "Preparar las cifras para la revisión del presupuesto.",
        ],
        "support": [
            "Aprobación de una contratación temporal para el pico.",
            "Una decisión sobre la compra de la herramienta propuesta el mes pasado.",
            "Ayuda de Sistemas con los accesos de las nuevas incorporaciones.",
        ],
        "review": {
            5: ["Informe excelente, claro y completo.", "Muy buen trabajo, gracias."],
            4: ["Buen informe; mantened las acciones en marcha.", "Claro y en objetivo."],
            3: [
                "Correcto, pero explicad las causas cuando un indicador se desvía.",
                "Aceptable; los próximos pasos necesitan responsables y fechas.",
            ],
            2: [
                "Muy escueto: están las cifras pero no la explicación.",
                "Tarde e incompleto; hablemos esta semana.",
            ],
            1: ["No explica lo ocurrido; la próxima vez hay que hacerlo bien."],
        },
        "return": [
            "Las cifras no coinciden con el cuadro de mando; revisadlas, por favor.",
            "Añadid las causas de los retrasos y quién actúa sobre ellas.",
            "Faltan fechas en los próximos pasos; completadlas, por favor.",
        ],
        "revised": "\n- Cifras revisadas y causas añadidas tras la revisión.",
        "resolution": [
            "Hecho; comprobado en la reunión semanal.",
            "Resuelto con el proveedor; no se ha repetido.",
            "Resuelto cambiando la rutina; procedimiento actualizado.",
            "Presupuesto aprobado y la medida está en marcha.",
        ],
        "cancel": "Ya no aplica tras la reorganización.",
        "individual_summary": "Mi {period}: tareas principales en plazo.",
        "individual_done": "- Tareas asignadas terminadas.\n- Apoyo en el cierre mensual.",
        "individual_next": "Seguir con las tareas abiertas y el curso de formación.",
    },
}

#: Problems a report mentions, and the action item each may become: (problem, action item).
PROBLEMS = {
    "en": [
        ("Two forklifts out of service; orders piled up.", "Repair or replace the forklifts"),
        ("A key supplier delivered late twice.", "Agree a recovery plan with the supplier"),
        ("The ERP was slow during the month-end close.", "Find the cause of the ERP slowness"),
        ("Overtime above budget for the third week.", "Review shift planning to cut overtime"),
        ("Customer complaints about damaged goods.", "Check the packing of fragile goods"),
        ("Data from another department arrived late.", "Agree a data deadline with Finance"),
        ("Two people on long sick leave.", "Arrange cover for the absent colleagues"),
        ("The backlog grew again.", "Clear the backlog older than 30 days"),
    ],
    "es": [
        (
            "Dos carretillas averiadas; se acumularon pedidos.",
            "Reparar o sustituir las carretillas",
        ),
        ("Un proveedor clave entregó tarde dos veces.", "Acordar un plan con el proveedor"),
        ("El ERP fue lento durante el cierre mensual.", "Analizar la lentitud del ERP"),
        ("Horas extra por encima del presupuesto.", "Revisar los turnos para reducir horas extra"),
        ("Quejas de clientes por mercancía dañada.", "Revisar el embalaje de la mercancía frágil"),
        (
            "Los datos de otro departamento llegaron tarde.",
            "Acordar un plazo de datos con Finanzas",
        ),
        ("Dos personas de baja larga.", "Organizar la cobertura de las bajas"),
        ("Los pendientes volvieron a crecer.", "Eliminar los pendientes de más de 30 días"),
    ],
}


# -- schedules ---------------------------------------------------------------------------------


def ensure_schedules(department_ids: list[int]) -> int:
    """A weekly and a monthly schedule for every department that has none (there is no service
    for schedules: the COO sets them in a form that writes these rows)."""
    existing = set(
        ReportSchedule.objects.filter(department_id__in=department_ids).values_list(
            "department_id", "kind"
        )
    )
    rows = []
    for index, pk in enumerate(department_ids):
        if (pk, ReportKind.WEEKLY) not in existing:
            weekday, due = Weekday.MONDAY, dt.time(12, 0)
            if index % 7 == 2:
                weekday, due = Weekday.TUESDAY, dt.time(10, 0)
            elif index % 7 == 5:
                weekday, due = Weekday.FRIDAY, dt.time(17, 0)
            rows.append(
                ReportSchedule(
                    department_id=pk, kind=ReportKind.WEEKLY, weekday=weekday, due_time=due
                )
            )
        if (pk, ReportKind.MONTHLY) not in existing:
            rows.append(
                ReportSchedule(
                    department_id=pk,
                    kind=ReportKind.MONTHLY,
                    day_of_month=5 if index % 3 == 1 else 3,
                    due_time=dt.time(12, 0),
                )
            )
    ReportSchedule.objects.bulk_create(rows)
    return len(rows)


# -- stories -----------------------------------------------------------------------------------


@dataclass
class Profile:
    """How a department reports: punctuality, quality, how often things go wrong."""

    on_time: float
    missing: float
    ratings: list[int]  # weights of 1..5
    returned: float
    problems: float
    chronic: bool = False


def profile_for(rng: random.Random, chronic: bool) -> Profile:
    if chronic:
        return Profile(
            on_time=rng.uniform(0.3, 0.45),
            missing=0.08,
            ratings=[6, 28, 44, 20, 2],
            returned=0.12,
            problems=0.5,
            chronic=True,
        )
    return Profile(
        on_time=rng.uniform(0.82, 0.96),
        missing=0.025,
        ratings=[1, 5, 30, 46, 18],
        returned=0.05,
        problems=0.3,
    )


NEVER = None  # a move that has not happened (yet)


@dataclass
class Story:
    """When each move of one report happens (None: not yet, or never)."""

    created: dt.datetime
    submitted: dt.datetime | None
    returned: dt.datetime | None = None
    resubmitted: dt.datetime | None = None
    reviewed: dt.datetime | None = None
    rating: int = 3
    problem: int | None = None  # index into PROBLEMS
    action_item: bool = False


@dataclass
class Made:
    """A report the builder made, and the times its events and fields should carry."""

    report_id: int
    event_times: list[dt.datetime]
    fields: dict = field(default_factory=dict)


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A local time as UTC, so that adding hours and subtracting times is exact across a
    change of summer time."""
    local = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return local.astimezone(dt.UTC)


def hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)


class ReportBuilder:
    def __init__(self, *, seed: int, today: dt.date, log: Callable[[str], None]):
        self.seed = seed
        self.today = today
        self.now = timezone.now()
        self.log = log
        self.coo = leaders()["coo"]
        self.made: list[Made] = []
        self.pending: list[tuple] = []
        self.items: list[tuple[int, list[dt.datetime], dict]] = []
        self.schedules = {
            kind: services.schedules_by_department(kind) for kind in ReportKind.values
        }

    # -- drawing a story -------------------------------------------------------------------
    def review_delay(self, rng: random.Random) -> dt.timedelta:
        roll = rng.random()
        if roll < 0.55:
            return hours(rng.uniform(1, 10))
        if roll < 0.9:
            return hours(rng.uniform(10, 48))
        return hours(rng.uniform(48, 110))

    def story(
        self, rng: random.Random, profile: Profile, kind: str, start: dt.date, due: dt.datetime
    ) -> Story | None:
        if rng.random() < profile.missing:
            return None
        due = due.astimezone(dt.UTC)
        end = services.period_of(kind, start)[1]
        if rng.random() < profile.on_time:
            submitted = due - hours(rng.uniform(0.2, 66))
        elif profile.chronic:
            submitted = due + hours(rng.uniform(3, 190))
        else:
            submitted = due + hours(rng.uniform(1, 70))
        earliest = aware(end - dt.timedelta(days=2), 9)
        created = max(earliest, submitted - hours(rng.uniform(0.5, 30)))
        created = min(created, submitted - dt.timedelta(minutes=20))
        weights = profile.ratings
        rating = rng.choices([1, 2, 3, 4, 5], weights)[0]
        late = submitted > due
        if late and rating > 1 and rng.random() < 0.5:
            rating -= 1
        story = Story(created=created, submitted=submitted, rating=rating)
        moment = submitted
        if rng.random() < profile.returned:
            story.returned = moment = moment + hours(rng.uniform(3, 30))
            story.resubmitted = moment = moment + hours(rng.uniform(2, 40))
        story.reviewed = moment + self.review_delay(rng)
        if rng.random() < profile.problems:
            story.problem = rng.randrange(len(PROBLEMS["en"]))
            story.action_item = rng.random() < 0.45
        return story

    # -- one department report ---------------------------------------------------------------
    def content(self, rng, team: Team, kind: str, start: dt.date, problem: int | None) -> dict:
        language = team.language
        text = TEXT[language]
        if kind == ReportKind.WEEKLY:
            week = start.isocalendar()[1]
            period = f"week {week}" if language == "en" else f"semana {week}"
        else:
            month = MONTH_NAMES[language][start.month - 1]
            period = month if language == "en" else f"{month}"
        name = team.department.name
        sections = {
            "summary": rng.choice(text["summary"]).format(
                period=period, period_cap=period[:1].upper() + period[1:], name=name
            ),
            "accomplishments": rng.choice(text["accomplishments"]),
            "problems": PROBLEMS[language][problem][0] if problem is not None else "",
            "next_steps": rng.choice(text["next_steps"]),
            "support_needed": rng.choice(text["support"]) if rng.random() < 0.2 else "",
        }
        catalogue = KPIS.get(team.department.code, GENERIC_KPIS)
        chosen = rng.sample(catalogue, min(len(catalogue), rng.randint(2, 4)))
        lang = 0 if language == "en" else 1
        kpis = []
        for spec in chosen:
            value = max(0.0, rng.gauss(spec.target, spec.spread / 2))
            if kind == ReportKind.MONTHLY and spec.unit in ("count", "orders", "hours", "EUR k"):
                value *= 4.3  # a month holds about four weeks of volume
                target = spec.target * 4.3
            else:
                target = spec.target
            if spec.unit in ("count", "orders", "people"):
                value, target = round(value), round(target)
            else:
                value, target = round(value, 1), round(target, 1)
            if spec.unit == "%":
                value = min(value, 100)
            unit = UNITS_ES.get(spec.unit, spec.unit) if lang else spec.unit
            kpis.append(
                {
                    "name": spec.name[lang],
                    "value": Decimal(str(value)),
                    "unit": "" if spec.unit == "count" else unit,
                    "target": Decimal(str(target)),
                }
            )
        return {"kpis": kpis, **sections}

    def department_report(
        self,
        rng: random.Random,
        team: Team,
        kind: str,
        start: dt.date,
        story: Story,
    ) -> None:
        now = self.now
        if story.created > now:
            return
        head, coo = team.head, self.coo
        content = self.content(rng, team, kind, start, story.problem)
        report = services.report_create(
            user=head, kind=kind, period_start=start, department=team.department, **content
        )
        made = Made(report.pk, [story.created])
        self.made.append(made)
        fields = made.fields
        fields["created_at"] = fields["updated_at"] = story.created
        if story.submitted is None or story.submitted > now:
            return
        report = services.report_submit(report=report, user=head)
        made.event_times.append(story.submitted)
        fields["first_submitted_at"] = fields["submitted_at"] = story.submitted
        fields["updated_at"] = story.submitted
        fields["on_time"] = story.submitted <= report.due_at
        language = team.language
        if story.returned is not None and story.returned <= now:
            report = services.report_return(
                report=report, user=coo, comment=rng.choice(TEXT[language]["return"])
            )
            made.event_times.append(story.returned)
            fields["updated_at"] = story.returned
            if story.resubmitted is None or story.resubmitted > now:
                return
            report = services.report_update(
                report=report,
                user=head,
                accomplishments=report.accomplishments + TEXT[language]["revised"],
            )
            report = services.report_submit(report=report, user=head)
            made.event_times.append(story.resubmitted)
            fields["submitted_at"] = fields["updated_at"] = story.resubmitted
        reviewed = story.reviewed is not None and story.reviewed <= now
        if reviewed:
            comment = rng.choice(TEXT[language]["review"][story.rating])
            report = services.report_review(
                report=report, user=coo, rating=story.rating, comment=comment
            )
            made.event_times.append(story.reviewed)
            fields["reviewed_at"] = fields["updated_at"] = story.reviewed
            fields["review_duration"] = story.reviewed - fields["submitted_at"]
        if story.action_item and story.problem is not None:
            # Raised by the COO at the review, or by the head soon after sending the report.
            if reviewed:
                raised, creator = story.reviewed + dt.timedelta(minutes=5), coo
            else:
                raised, creator = fields["submitted_at"] + hours(rng.uniform(0.5, 5)), head
            if raised <= now:
                self.action_item(rng, team, report, story.problem, raised, creator)

    # -- older history, in bulk ---------------------------------------------------------------
    def old_report(self, rng, team: Team, kind: str, start: dt.date, story: Story) -> None:
        """A report of a period long past, written as the services would have left it (reviewed,
        perhaps returned once on the way) and inserted in bulk by :meth:`flush`: a year of
        weekly reports through the services one by one would take minutes."""
        head, coo, language = team.head, self.coo, team.language
        content = self.content(rng, team, kind, start, story.problem)
        kpis = content.pop("kpis")
        schedule = self.schedules[kind].get(team.department.pk)
        report = WorkReport(
            kind=kind,
            period_start=start,
            period_end=services.period_of(kind, start)[1],
            department=team.department,
            author=head,
            due_at=services.due_at_for(kind, start, schedule),
            **content,
        )
        Status = WorkReport.Status
        events = [(head, "", Status.DRAFT, "", story.created)]
        report.first_submitted_at = report.submitted_at = story.submitted
        report.on_time = story.submitted <= report.due_at
        events.append((head, Status.DRAFT, Status.SUBMITTED, "", story.submitted))
        if story.returned is not None:
            report.return_comment = rng.choice(TEXT[language]["return"])
            events.append(
                (coo, Status.SUBMITTED, Status.RETURNED, report.return_comment, story.returned)
            )
            report.accomplishments += TEXT[language]["revised"]
            report.submitted_at = story.resubmitted
            events.append((head, Status.RETURNED, Status.SUBMITTED, "", story.resubmitted))
        report.status = Status.REVIEWED
        report.rating = story.rating
        report.review_comment = rng.choice(TEXT[language]["review"][story.rating])
        report.reviewed_by, report.reviewed_at = coo, story.reviewed
        report.review_duration = story.reviewed - report.submitted_at
        events.append(
            (coo, Status.SUBMITTED, Status.REVIEWED, report.review_comment, story.reviewed)
        )
        item = None
        if story.action_item and story.problem is not None:
            raised = story.reviewed + dt.timedelta(minutes=5)
            owner = rng.choice(team.leads if rng.random() < 0.6 else team.everyone)
            due = raised.date() + dt.timedelta(days=rng.randint(7, 35))
            started, close, cancel, _started, finished = self.fate(rng, raised, due)
            item = ActionItem(
                department=team.department,
                title=PROBLEMS[language][story.problem][1],
                description=PROBLEMS[language][story.problem][0],
                owner=owner,
                due_date=due,
                created_by=coo,
                status=ActionItem.Status.OPEN,
            )
            if cancel:
                item.status, item.resolution = ActionItem.Status.CANCELLED, TEXT[language]["cancel"]
            elif close:
                item.status = ActionItem.Status.CLOSED
                item.resolution = rng.choice(TEXT[language]["resolution"])
                item.closed_at = finished
            elif started:
                item.status = ActionItem.Status.IN_PROGRESS
            item._demo_times = (raised, finished if (close or cancel) else raised)
        self.pending.append((report, kpis, events, item))

    def flush(self) -> None:
        """Insert the older history gathered by :meth:`old_report`."""
        if not self.pending:
            return
        reports = WorkReport.objects.bulk_create([p[0] for p in self.pending], batch_size=300)
        kpis, events, items = [], [], []
        for report, (_r, rows, moves, item) in zip(reports, self.pending, strict=True):
            kpis += [
                WorkReportKpi(
                    report=report,
                    order=i,
                    name=r["name"],
                    value=r["value"],
                    unit=r["unit"],
                    target=r["target"],
                )
                for i, r in enumerate(rows)
            ]
            events += [
                WorkReportEvent(
                    report=report,
                    actor=actor,
                    from_status=source,
                    to_status=target,
                    note=note,
                    created_at=moment,
                )
                for actor, source, target, note, moment in moves
            ]
            times = [m[-1] for m in moves]
            self.made.append(
                Made(report.pk, times, {"created_at": times[0], "updated_at": times[-1]})
            )
            if item is not None:
                item.report = report
                items.append(item)
        WorkReportKpi.objects.bulk_create(kpis, batch_size=500)
        WorkReportEvent.objects.bulk_create(events, batch_size=500)
        for item in bulk_create_with_history(items, ActionItem, batch_size=300):
            raised, last = item._demo_times
            self.items.append((item.pk, [raised], {"created_at": raised, "updated_at": last}))
        self.pending = []

    # -- action items --------------------------------------------------------------------------
    def fate(self, rng, raised: dt.datetime, due: dt.date):
        """What became of an action item: (started, closed, cancelled, start and end times).
        Old ones are mostly closed, some cancelled, a few still open and overdue."""
        roll = rng.random()
        if (self.today - due).days > 7:
            close, cancel = roll < 0.85, 0.85 <= roll < 0.93
        else:
            close, cancel = roll < 0.35, False
        start = roll < 0.7 or close
        started = raised + hours(rng.uniform(2, 72))
        span = max(3, (due - raised.date()).days + 5)
        finished = started + hours(rng.uniform(24, 24 * span))
        if started > self.now:
            start = close = cancel = False
        if finished > self.now:
            close = cancel = False
        return start, close, cancel, started, finished

    def action_item(self, rng, team: Team, report, problem: int, raised, creator: User) -> None:
        language = team.language
        owner = rng.choice(team.leads if rng.random() < 0.6 else team.everyone)
        due = raised.date() + dt.timedelta(days=rng.randint(7, 35))
        item = services.action_item_create(
            report=report,
            user=creator,
            title=PROBLEMS[language][problem][1],
            owner=owner,
            due_date=max(due, self.today),
            description=PROBLEMS[language][problem][0],
        )
        times = [raised]
        fields = {"created_at": raised, "updated_at": raised, "due_date": due}
        start, close, cancel, started, finished = self.fate(rng, raised, due)
        if cancel:
            services.action_item_move(
                item=item, user=creator, move="cancel", resolution=TEXT[language]["cancel"]
            )
            times.append(finished)
            fields["updated_at"] = finished
        else:
            if start:
                services.action_item_move(item=item, user=owner, move="start")
                times.append(started)
                fields["updated_at"] = started
            if close:
                services.action_item_move(
                    item=item,
                    user=owner,
                    move="close",
                    resolution=rng.choice(TEXT[language]["resolution"]),
                )
                times.append(finished)
                fields["updated_at"] = fields["closed_at"] = finished
        self.items.append((item.pk, times, fields))

    # -- individual reports --------------------------------------------------------------------
    def individual_reports(self, team: Team, author: User, starts: list[dt.date]) -> int:
        language = "es" if author.language == "es" else "en"
        text = TEXT[language]
        existing = set(
            WorkReport.objects.filter(
                individual=True, author=author, kind=ReportKind.MONTHLY, period_start__in=starts
            ).values_list("period_start", flat=True)
        )
        schedule = self.schedules[ReportKind.MONTHLY].get(team.department.pk)
        made = 0
        for index, start in enumerate(starts):
            if start in existing:
                continue
            rng = random.Random(f"{self.seed}:reports:individual:{author.username}:{start}")
            due = services.due_at_for(ReportKind.MONTHLY, start, schedule).astimezone(dt.UTC)
            submitted = due - hours(rng.uniform(1, 50)) if rng.random() < 0.8 else due + hours(5)
            created = submitted - hours(rng.uniform(1, 20))
            if created > self.now:
                continue
            month = MONTH_NAMES[language][start.month - 1]
            report = services.report_create(
                user=author,
                kind=ReportKind.MONTHLY,
                period_start=start,
                individual=True,
                summary=text["individual_summary"].format(period=month),
                accomplishments=text["individual_done"],
                next_steps=text["individual_next"],
            )
            record = Made(report.pk, [created], {"created_at": created, "updated_at": created})
            self.made.append(record)
            made += 1
            if submitted > self.now:
                continue
            report = services.report_submit(report=report, user=author)
            record.event_times.append(submitted)
            record.fields.update(
                first_submitted_at=submitted,
                submitted_at=submitted,
                updated_at=submitted,
                on_time=submitted <= report.due_at,
            )
            reviewed = submitted + self.review_delay(rng)
            if index == len(starts) - 1 or reviewed > self.now:
                continue  # the latest one still waits for the manager
            rating = rng.choices([2, 3, 4, 5], [1, 4, 5, 2])[0]
            services.report_review(
                report=report,
                user=report.reviewer,
                rating=rating,
                comment=rng.choice(text["review"][rating]),
            )
            record.event_times.append(reviewed)
            record.fields.update(
                reviewed_at=reviewed, updated_at=reviewed, review_duration=reviewed - submitted
            )
        return made

    # -- backdating ----------------------------------------------------------------------------
    def finish(self) -> None:
        """Move the times of everything made into the past, in a few bulk queries."""
        by_id = {m.report_id: m for m in self.made}
        set_rows(WorkReport, {pk: m.fields for pk, m in by_id.items()})
        events = WorkReportEvent.objects.filter(report_id__in=list(by_id)).order_by(
            "report_id", "pk"
        )
        position: dict[int, int] = {}
        moments = {}
        for pk, report_id in events.values_list("pk", "report_id"):
            i = position.get(report_id, 0)
            position[report_id] = i + 1
            times = by_id[report_id].event_times
            moments[pk] = {"created_at": times[min(i, len(times) - 1)]}
        set_rows(WorkReportEvent, moments)

        items = {pk: (times, fields) for pk, times, fields in self.items}
        set_rows(ActionItem, {pk: fields for pk, (_times, fields) in items.items()})
        history = ActionItem.history.model
        changes = history.objects.filter(id__in=list(items)).order_by("id", "history_id")
        position = {}
        moments = {}
        for history_id, pk in changes.values_list("history_id", "id"):
            i = position.get(pk, 0)
            position[pk] = i + 1
            times = items[pk][0]
            moments[history_id] = {"history_date": times[min(i, len(times) - 1)]}
        set_rows(history, moments)


def _coverage(size: str, count: int) -> int:
    """How many departments get a full year of history (the rest: the last quarter)."""
    return min(count, {"small": 8, "medium": 16}.get(size, 24))


def build(*, size: str, seed: int, today: dt.date, log) -> str:
    if "coo" not in leaders():
        return "skipped (no COO)"
    all_teams = teams()
    if not all_teams:
        return "skipped (no departments)"
    builder = ReportBuilder(seed=seed, today=today, log=log)
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with demo.one_transaction():
        schedules = ensure_schedules(
            list(Department.objects.filter(active=True).order_by("pk").values_list("pk", flat=True))
        )
        builder.schedules = {k: services.schedules_by_department(k) for k in ReportKind.values}
        full = _coverage(size, len(all_teams))
        chronic = set(range(3, len(all_teams), 8)) | set(range(6, full, 16))
        periods = {
            ReportKind.WEEKLY: services.recent_period_starts(ReportKind.WEEKLY, WEEKS, today),
            ReportKind.MONTHLY: services.recent_period_starts(ReportKind.MONTHLY, MONTHS, today),
        }
        existing = set(
            WorkReport.objects.departmental()
            .filter(department__in=[t.department for t in all_teams])
            .values_list("department_id", "kind", "period_start")
        )
        for index, team in enumerate(all_teams):
            rng = random.Random(f"{seed}:reports:{team.department.code}")
            profile = profile_for(rng, index in chronic)
            for kind in ReportKind.values:
                schedule = builder.schedules[kind].get(team.department.pk)
                starts = (
                    periods[kind]
                    if index < full
                    else periods[kind][-(13 if kind == ReportKind.WEEKLY else 3) :]
                )
                for position, start in enumerate(starts):
                    # Each period draws from its own stream: skipping one that exists (a
                    # second run) changes no other.
                    rng = random.Random(f"{seed}:reports:{team.department.code}:{kind}:{start}")
                    age = len(starts) - position
                    due = services.due_at_for(kind, start, schedule)
                    story = builder.story(rng, profile, kind, start, due)
                    story = _pin(story, index, kind, age, builder.now, rng)
                    if story is None or (team.department.pk, kind, start) in existing:
                        continue
                    if age > SERVICE_PERIODS[kind]:
                        builder.old_report(rng, team, kind, start, story)
                    else:
                        builder.department_report(rng, team, kind, start, story)
                # The current period, in draft for some departments.
                current = services.period_of(kind, today)[0]
                rng = random.Random(f"{seed}:reports:{team.department.code}:{kind}:{current}")
                share = 0.6 if kind == ReportKind.WEEKLY else 0.3
                draft = index == 0 or rng.random() < share
                if draft and (team.department.pk, kind, current) not in existing:
                    created = max(aware(current, 0, 5), builder.now - hours(rng.uniform(0.5, 30)))
                    story = Story(created=min(created, builder.now), submitted=None)
                    builder.department_report(rng, team, kind, current, story)
        # A few people report monthly to their managers.
        individual = 0
        starts = services.recent_period_starts(ReportKind.MONTHLY, 3, today)
        for team in all_teams[:4]:
            for author in (team.staff[:1] or []) + (
                team.managers[:1] if team is all_teams[0] else []
            ):
                individual += builder.individual_reports(team, author, starts)
        builder.flush()
        builder.finish()
    waiting = WorkReport.objects.filter(
        status__in=[WorkReport.Status.SUBMITTED, WorkReport.Status.RETURNED]
    )
    open_items = ActionItem.objects.open()
    keep = {r.get_absolute_url() for r in waiting.only("pk")}
    keep |= {i.get_absolute_url() for i in open_items.only("pk")}
    settle_notifications(since, keep_urls=keep)
    log_made = len(builder.made)
    return (
        f"{log_made} work reports ({individual} individual), {len(builder.items)} action items, "
        f"{schedules} schedules"
    )


def _pin(story: Story | None, index: int, kind: str, age: int, now, rng) -> Story | None:
    """Make sure the demo shows every state whatever the day: the second department's report
    of two weeks ago waits, returned, for its revision; the third's waits for review; the
    fourth's of four weeks ago is missing."""
    if kind != ReportKind.WEEKLY:
        return story
    if index == 3 and age == 4:
        return None
    if story is None or age != 2 or story.submitted is None or story.submitted > now - hours(6):
        return story
    if index == 1:
        story.returned = min(story.submitted + hours(rng.uniform(3, 30)), now - hours(2))
        story.resubmitted = story.reviewed = NEVER
    elif index == 2:
        story.returned = story.resubmitted = story.reviewed = NEVER
    return story
