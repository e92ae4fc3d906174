"""Demo annual plans: this year's company plan and a plan per department, last year's too.

Built through the services and the approval workflow, as the people of the demo cast: the head
drafts the department's plan (the COO the company plan), the COO approves department plans and
the CEO the company plan; objective owners record their monthly progress and milestone owners
mark their milestones done with evidence. Afterwards only timestamps are moved into the past
(revisions, approval events, progress updates, completion dates, milestone history) so that the
history reads as a real year. One department plan is left submitted, one in draft, and one has
an approved revision 1 with a revision 2 awaiting the COO. A plan that exists for a year and
department is left alone: a second run adds nothing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from approvals.models import Action, ApprovalEvent, State
from approvals.services import transition
from core import demo
from operations.models import AnnualPlan, Milestone, Objective, PlanRevision, ProgressUpdate
from operations.services import plans as services
from organization.models import Department, Notification, Person, User
from organization.roles import Role

# -- what the plans say ----------------------------------------------------------------------

#: Units as written in Spanish.
UNITS_ES = {
    "days": "días",
    "hours": "horas",
    "points": "puntos",
    "count": "nº",
    "EUR k": "k EUR",
    "EUR M": "M EUR",
    "orders": "pedidos",
    "people": "personas",
    "incidents": "incidencias",
}


@dataclass(frozen=True)
class ObjectiveSpec:
    title: tuple[str, str]  # (English, Spanish)
    kpi: tuple[str, str]
    unit: str
    baseline: float
    target: float
    milestones: list[tuple[str, str]]
    #: For the company plan: the department whose head owns the objective.
    owner_code: str = ""


def _o(title, kpi, unit, baseline, target, milestones, owner_code=""):
    return ObjectiveSpec(title, kpi, unit, baseline, target, milestones, owner_code)


COMPANY = [
    _o(
        ("Grow revenue in existing markets", "Crecer en ingresos en los mercados actuales"),
        ("Annual revenue", "Ingresos anuales"),
        "EUR M",
        42.0,
        48.5,
        [
            ("Price review approved", "Revisión de precios aprobada"),
            ("Key-account plan launched", "Plan de grandes cuentas en marcha"),
            ("Half-year revenue review", "Revisión de ingresos del semestre"),
            ("Next year's pipeline agreed", "Cartera del próximo año acordada"),
        ],
        "SAL",
    ),
    _o(
        ("Reduce operating costs", "Reducir los costes operativos"),
        ("Operating cost ratio", "Ratio de costes operativos"),
        "%",
        68,
        63,
        [
            ("Cost baseline agreed per department", "Línea base de costes por departamento"),
            ("Procurement savings plan signed", "Plan de ahorro en compras firmado"),
            ("Energy contract renegotiated", "Contrato de energía renegociado"),
        ],
        "FIN",
    ),
    _o(
        ("Deliver on time, every time", "Entregar a tiempo, siempre"),
        ("On-time deliveries", "Entregas a tiempo"),
        "%",
        91,
        96,
        [
            ("Delivery KPIs published weekly", "Indicadores de entrega publicados cada semana"),
            ("Second shift in the warehouse", "Segundo turno en el almacén"),
            ("Carrier scorecard in place", "Cuadro de mando de transportistas"),
            ("Peak-season plan tested", "Plan de temporada alta probado"),
        ],
        "OPS",
    ),
    _o(
        ("Engage and develop our people", "Comprometer y desarrollar a nuestra gente"),
        ("Engagement index", "Índice de compromiso"),
        "points",
        64,
        72,
        [
            ("Engagement survey run", "Encuesta de compromiso realizada"),
            ("Career paths published", "Itinerarios profesionales publicados"),
            ("Leadership programme, first cohort", "Programa de liderazgo, primera promoción"),
        ],
        "HR",
    ),
    _o(
        ("Digitise our core processes", "Digitalizar los procesos clave"),
        ("Processes digitised", "Procesos digitalizados"),
        "count",
        6,
        14,
        [
            ("Process inventory complete", "Inventario de procesos completado"),
            ("E-invoicing live", "Factura electrónica en producción"),
            ("Purchase approvals online", "Aprobación de compras en línea"),
            ("Paperless onboarding", "Incorporación sin papel"),
        ],
        "IT",
    ),
]

BY_DEPARTMENT: dict[str, list[ObjectiveSpec]] = {
    "OPS": [
        _o(
            ("Raise overall equipment effectiveness", "Aumentar la eficiencia global de equipos"),
            ("OEE", "OEE"),
            "%",
            71,
            78,
            [
                ("Downtime causes mapped", "Causas de paradas identificadas"),
                ("Quick changeover on line 2", "Cambio rápido en la línea 2"),
                ("Preventive plan for critical assets", "Plan preventivo de equipos críticos"),
            ],
        ),
        _o(
            ("Cut order lead time", "Reducir el plazo de entrega de pedidos"),
            ("Order lead time", "Plazo de entrega"),
            "days",
            6.5,
            4.5,
            [
                ("Order flow value-stream map", "Mapa de flujo de valor de pedidos"),
                ("Pick-to-light in zone A", "Pick-to-light en la zona A"),
                ("Same-day dispatch pilot", "Piloto de expedición en el día"),
                ("Lead-time review with Sales", "Revisión de plazos con Ventas"),
            ],
        ),
        _o(
            ("Fewer workplace accidents", "Menos accidentes laborales"),
            ("Lost-time incidents", "Accidentes con baja"),
            "incidents",
            9,
            3,
            [
                ("Safety walk every week", "Ronda de seguridad semanal"),
                ("Forklift refresher training", "Reciclaje de carretilleros"),
                ("Near-miss reporting app", "Aplicación de casi accidentes"),
            ],
        ),
        _o(
            ("Standardise the operating procedures", "Estandarizar los procedimientos"),
            ("Procedures updated", "Procedimientos actualizados"),
            "count",
            12,
            30,
            [
                ("Procedure template agreed", "Plantilla de procedimiento acordada"),
                ("Warehouse procedures reviewed", "Procedimientos de almacén revisados"),
                ("Production procedures reviewed", "Procedimientos de producción revisados"),
            ],
        ),
    ],
    "FIN": [
        _o(
            ("Close the books faster", "Cerrar la contabilidad más rápido"),
            ("Days to month-end close", "Días de cierre mensual"),
            "days",
            9,
            5,
            [
                ("Closing calendar published", "Calendario de cierre publicado"),
                ("Automated bank reconciliation", "Conciliación bancaria automática"),
                ("Intercompany netting monthly", "Compensación intragrupo mensual"),
                ("Five-day close achieved", "Cierre en cinco días"),
            ],
        ),
        _o(
            ("Collect faster", "Cobrar antes"),
            ("Days sales outstanding", "Periodo medio de cobro"),
            "days",
            58,
            45,
            [
                ("Dunning letters automated", "Reclamaciones automatizadas"),
                ("Credit limits reviewed", "Límites de crédito revisados"),
                ("Top-20 debtors plan", "Plan para los 20 mayores deudores"),
            ],
        ),
        _o(
            ("Budget accuracy", "Precisión presupuestaria"),
            ("Forecast deviation", "Desviación de la previsión"),
            "%",
            8,
            3,
            [
                ("Rolling forecast introduced", "Previsión continua implantada"),
                ("Driver-based budget model", "Modelo presupuestario por drivers"),
                ("Quarterly forecast review", "Revisión trimestral de la previsión"),
            ],
        ),
        _o(
            ("Lower financing costs", "Reducir el coste financiero"),
            ("Interest expense", "Gasto financiero"),
            "EUR k",
            820,
            690,
            [
                ("Credit lines renegotiated", "Líneas de crédito renegociadas"),
                ("Cash pooling live", "Cash pooling en marcha"),
            ],
        ),
    ],
    "HR": [
        _o(
            ("Reduce voluntary turnover", "Reducir la rotación voluntaria"),
            ("Voluntary turnover", "Rotación voluntaria"),
            "%",
            14,
            9,
            [
                ("Exit interviews analysed", "Entrevistas de salida analizadas"),
                ("Retention plan for key roles", "Plan de retención de puestos clave"),
                ("Salary bands reviewed", "Bandas salariales revisadas"),
            ],
        ),
        _o(
            ("Hire faster", "Contratar más rápido"),
            ("Time to hire", "Tiempo de contratación"),
            "days",
            52,
            35,
            [
                ("Applicant tracking system live", "Sistema de selección en producción"),
                ("Referral programme", "Programa de referidos"),
                ("Hiring-manager training", "Formación de responsables en selección"),
                ("University agreements signed", "Convenios con universidades firmados"),
            ],
        ),
        _o(
            ("Train every employee", "Formar a toda la plantilla"),
            ("Training hours per person", "Horas de formación por persona"),
            "hours",
            11,
            24,
            [
                ("Training needs collected", "Necesidades de formación recogidas"),
                ("Training catalogue published", "Catálogo de formación publicado"),
                ("Mid-year completion check", "Revisión de la formación a mitad de año"),
            ],
        ),
        _o(
            ("Annual reviews on time", "Evaluaciones anuales en plazo"),
            ("Reviews completed on time", "Evaluaciones a tiempo"),
            "%",
            63,
            95,
            [
                ("Review form simplified", "Formulario de evaluación simplificado"),
                ("Managers briefed", "Responsables informados"),
            ],
        ),
    ],
    "IT": [
        _o(
            ("Keep the systems up", "Mantener los sistemas disponibles"),
            ("Availability of core systems", "Disponibilidad de sistemas clave"),
            "%",
            99.2,
            99.8,
            [
                ("Monitoring for every core service", "Monitorización de todos los servicios"),
                ("Failover test of the ERP", "Prueba de conmutación del ERP"),
                ("Backup restore drill", "Simulacro de restauración de copias"),
            ],
        ),
        _o(
            ("Resolve tickets faster", "Resolver las incidencias antes"),
            ("Mean time to resolve", "Tiempo medio de resolución"),
            "hours",
            18,
            8,
            [
                ("Self-service portal", "Portal de autoservicio"),
                ("Knowledge base of top-50 issues", "Base de conocimiento de las 50 incidencias"),
                ("Second-level support rota", "Turnos de soporte de segundo nivel"),
            ],
        ),
        _o(
            ("Upgrade the ERP", "Actualizar el ERP"),
            ("Modules migrated", "Módulos migrados"),
            "count",
            0,
            7,
            [
                ("Upgrade plan approved", "Plan de actualización aprobado"),
                ("Finance modules migrated", "Módulos financieros migrados"),
                ("Logistics modules migrated", "Módulos logísticos migrados"),
                ("Old ERP switched off", "ERP antiguo apagado"),
            ],
        ),
        _o(
            ("Strengthen cybersecurity", "Reforzar la ciberseguridad"),
            ("Staff passing the phishing test", "Plantilla que supera la prueba de phishing"),
            "%",
            72,
            92,
            [
                ("Multi-factor login for all", "Doble factor para todos"),
                ("Phishing awareness campaign", "Campaña de concienciación sobre phishing"),
                ("Penetration test", "Prueba de intrusión"),
            ],
        ),
    ],
    "SAL": [
        _o(
            ("Grow sales", "Crecer en ventas"),
            ("Net sales", "Ventas netas"),
            "EUR M",
            31,
            35.5,
            [
                ("Sales targets per region", "Objetivos de venta por región"),
                ("New price list", "Nueva tarifa de precios"),
                ("Half-year sales review", "Revisión de ventas del semestre"),
                ("Next year's targets agreed", "Objetivos del próximo año acordados"),
            ],
        ),
        _o(
            ("Win new customers", "Captar clientes nuevos"),
            ("New customers", "Clientes nuevos"),
            "count",
            0,
            60,
            [
                ("Target list of prospects", "Lista de clientes objetivo"),
                ("Trade fair in Madrid", "Feria comercial en Madrid"),
                ("Partner programme launched", "Programa de socios lanzado"),
            ],
        ),
        _o(
            ("Keep our customers", "Fidelizar a los clientes"),
            ("Customer retention", "Retención de clientes"),
            "%",
            86,
            91,
            [
                ("Customer satisfaction survey", "Encuesta de satisfacción"),
                ("Account reviews with top customers", "Revisiones con los grandes clientes"),
            ],
        ),
        _o(
            ("Improve forecast accuracy", "Mejorar la precisión de la previsión"),
            ("Forecast accuracy", "Precisión de la previsión"),
            "%",
            74,
            85,
            [
                ("CRM pipeline stages cleaned", "Fases del embudo del CRM depuradas"),
                ("Monthly forecast meeting", "Reunión mensual de previsión"),
                ("Forecast bonus rules", "Reglas de incentivo por previsión"),
            ],
        ),
    ],
    "LOG": [
        _o(
            ("Lower transport cost per order", "Reducir el coste de transporte por pedido"),
            ("Transport cost per order", "Coste de transporte por pedido"),
            "EUR k",
            0.42,
            0.36,
            [
                ("Carrier tender", "Licitación de transportistas"),
                ("Route optimisation tool", "Herramienta de optimización de rutas"),
                ("Consolidated shipments to the north", "Envíos consolidados al norte"),
            ],
        ),
        _o(
            ("Accurate inventory", "Inventario fiable"),
            ("Inventory accuracy", "Exactitud del inventario"),
            "%",
            95,
            99,
            [
                ("Cycle counting every week", "Recuento cíclico semanal"),
                ("Bin locations relabelled", "Ubicaciones reetiquetadas"),
                ("Year-end count without adjustments", "Inventario anual sin ajustes"),
            ],
        ),
        _o(
            ("Ship complete orders", "Enviar pedidos completos"),
            ("Orders shipped complete", "Pedidos completos"),
            "%",
            93,
            98,
            [
                ("Stock-out alerts", "Alertas de rotura de stock"),
                ("Packing checklist", "Lista de comprobación de embalaje"),
                ("Returns analysis", "Análisis de devoluciones"),
                ("Supplier lead times agreed", "Plazos de proveedores acordados"),
            ],
        ),
    ],
    "PRD": [
        _o(
            ("Reduce scrap", "Reducir el desperdicio"),
            ("Scrap rate", "Tasa de rechazo"),
            "%",
            4.8,
            2.5,
            [
                ("Scrap measured per line", "Rechazo medido por línea"),
                ("Root-cause workshops", "Talleres de causa raíz"),
                ("New moulds for line 3", "Nuevos moldes para la línea 3"),
            ],
        ),
        _o(
            ("Produce more per hour", "Producir más por hora"),
            ("Units per hour", "Unidades por hora"),
            "count",
            410,
            455,
            [
                ("Bottleneck study", "Estudio de cuellos de botella"),
                ("Line balancing", "Equilibrado de líneas"),
                ("Automated palletiser", "Paletizador automático"),
            ],
        ),
        _o(
            ("Less unplanned downtime", "Menos paradas no planificadas"),
            ("Unplanned downtime", "Paradas no planificadas"),
            "hours",
            310,
            180,
            [
                ("Maintenance plan in the CMMS", "Plan de mantenimiento en el GMAO"),
                ("Spare-parts stock reviewed", "Stock de repuestos revisado"),
                ("Operator maintenance training", "Formación en mantenimiento autónomo"),
                ("Vibration sensors on presses", "Sensores de vibración en prensas"),
            ],
        ),
    ],
    "ACC": [
        _o(
            ("Pay suppliers on time", "Pagar a proveedores en plazo"),
            ("Invoices paid on time", "Facturas pagadas en plazo"),
            "%",
            82,
            96,
            [
                ("Invoice scanning", "Digitalización de facturas"),
                ("Three-way match in the ERP", "Conciliación a tres bandas en el ERP"),
                ("Payment runs twice a week", "Remesas de pago dos veces por semana"),
            ],
        ),
        _o(
            ("Clean audit", "Auditoría sin salvedades"),
            ("Audit findings", "Hallazgos de auditoría"),
            "count",
            7,
            1,
            [
                ("Fixed-asset register reconciled", "Inventario de activos conciliado"),
                ("Interim audit", "Auditoría preliminar"),
                ("Audit findings closed", "Hallazgos de auditoría cerrados"),
            ],
        ),
        _o(
            ("Automate journal entries", "Automatizar los asientos"),
            ("Manual journal entries", "Asientos manuales"),
            "count",
            640,
            300,
            [
                ("Recurring entries templated", "Asientos recurrentes con plantilla"),
                ("Bank feeds imported", "Extractos bancarios importados"),
            ],
        ),
    ],
}

GENERIC = [
    _o(
        ("Raise {name}'s service level", "Mejorar el nivel de servicio de {name}"),
        ("Requests answered within the agreed time", "Solicitudes atendidas en plazo"),
        "%",
        81,
        93,
        [
            ("Service catalogue published", "Catálogo de servicios publicado"),
            ("Service-level agreements signed", "Acuerdos de nivel de servicio firmados"),
            ("Quarterly satisfaction survey", "Encuesta trimestral de satisfacción"),
        ],
    ),
    _o(
        ("Keep {name} within budget", "Mantener {name} dentro del presupuesto"),
        ("Budget deviation", "Desviación presupuestaria"),
        "%",
        7,
        2,
        [
            ("Monthly budget review", "Revisión mensual del presupuesto"),
            ("Savings ideas collected", "Ideas de ahorro recogidas"),
            ("Half-year forecast", "Previsión semestral"),
        ],
    ),
    _o(
        ("Develop the {name} team", "Desarrollar al equipo de {name}"),
        ("Training hours per person", "Horas de formación por persona"),
        "hours",
        10,
        22,
        [
            ("Skills matrix", "Matriz de competencias"),
            ("Individual development plans", "Planes de desarrollo individual"),
            ("Cross-training between shifts", "Formación cruzada entre turnos"),
        ],
    ),
    _o(
        ("Document {name}'s processes", "Documentar los procesos de {name}"),
        ("Processes documented", "Procesos documentados"),
        "count",
        3,
        12,
        [
            ("Process map", "Mapa de procesos"),
            ("Key procedures written", "Procedimientos clave redactados"),
            ("Procedures approved", "Procedimientos aprobados"),
            ("Internal audit of the procedures", "Auditoría interna de los procedimientos"),
        ],
    ),
    _o(
        ("Cut {name}'s backlog", "Reducir el trabajo pendiente de {name}"),
        ("Open requests older than 30 days", "Solicitudes abiertas de más de 30 días"),
        "count",
        48,
        10,
        [
            ("Backlog triaged", "Pendientes clasificados"),
            ("Weekly backlog review", "Revisión semanal de pendientes"),
            ("Temporary reinforcement", "Refuerzo temporal"),
        ],
    ),
]

COMMENTS = {
    "en": {
        "on": [
            "On track.",
            "Progressing as planned; figures checked with Finance.",
            "Good month: the new routine is paying off.",
            "Steady progress; no blockers.",
            "Ahead of the monthly plan thanks to the team's extra effort.",
        ],
        "behind": [
            "Behind plan: waiting for the supplier.",
            "Slower than planned because of two long absences in the team.",
            "Behind: the budget for the tool was approved late.",
            "Some delay; recovery plan agreed with the COO.",
        ],
        "evidence": [
            "Minutes of the closing meeting on the shared drive.",
            "Signed off by the head of department.",
            "Report filed in the department folder.",
            "Presented at the monthly operations meeting.",
        ],
        "cancelled": "No longer needed after the change of supplier.",
        "revision": "Targets adjusted after the half-year review: {title} now aims at {target}.",
    },
    "es": {
        "on": [
            "Según lo previsto.",
            "Avanzamos según el plan; cifras revisadas con Finanzas.",
            "Buen mes: la nueva rutina está dando resultado.",
            "Progreso constante, sin bloqueos.",
            "Por delante del plan mensual gracias al esfuerzo del equipo.",
        ],
        "behind": [
            "Retrasado: esperamos al proveedor.",
            "Más lento de lo previsto por dos bajas largas en el equipo.",
            "Retraso: el presupuesto de la herramienta se aprobó tarde.",
            "Algo de retraso; plan de recuperación acordado con el COO.",
        ],
        "evidence": [
            "Acta de la reunión de cierre en la carpeta compartida.",
            "Validado por la dirección del departamento.",
            "Informe archivado en la carpeta del departamento.",
            "Presentado en la reunión mensual de operaciones.",
        ],
        "cancelled": "Ya no es necesario tras el cambio de proveedor.",
        "revision": "Objetivos ajustados tras la revisión semestral: {title} apunta ahora a {target}.",
    },
}


# -- the people -------------------------------------------------------------------------------


@dataclass
class Team:
    """A department's people, as the demo uses them."""

    department: Department
    head: User
    managers: list[User] = field(default_factory=list)
    staff: list[User] = field(default_factory=list)

    @property
    def language(self) -> str:
        return "es" if self.head.language == "es" else "en"

    @property
    def leads(self) -> list[User]:
        return [self.head, *self.managers]

    @property
    def everyone(self) -> list[User]:
        return [self.head, *self.managers, *self.staff]


def teams() -> list[Team]:
    """Active departments with an active head, in creation order, with their people (two
    queries)."""
    departments = list(
        Department.objects.filter(active=True, head__isnull=False, head__user__is_active=True)
        .select_related("head__user")
        .order_by("pk")
    )
    out = {d.pk: Team(department=d, head=d.head.user) for d in departments}
    people = (
        Person.objects.filter(department__in=list(out), active=True, user__is_active=True)
        .select_related("user")
        .prefetch_related("user__groups")
        .order_by("pk")
    )
    for person in people:
        team = out[person.department_id]
        if person.user_id == team.head.pk:
            continue
        names = {g.name for g in person.user.groups.all()}
        if Role.MANAGER in names:
            team.managers.append(person.user)
        elif Role.STAFF in names:
            team.staff.append(person.user)
    return list(out.values())


def leaders() -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=["ceo", "coo"])}


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A local time as UTC, so that adding hours and subtracting times is exact across a
    change of summer time."""
    local = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))
    return local.astimezone(dt.UTC)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


# -- building ---------------------------------------------------------------------------------


def _weights(rng: random.Random, n: int) -> list[int]:
    """``n`` weights in steps of five that add up to 100."""
    raw = [rng.randint(3, 8) for _ in range(n)]
    weights = [max(5, round(r * 100 / sum(raw) / 5) * 5) for r in raw]
    weights[weights.index(max(weights))] += 100 - sum(weights)
    return weights


def _number(value: float, spec: ObjectiveSpec) -> Decimal:
    whole = float(spec.baseline).is_integer() and float(spec.target).is_integer()
    if whole and abs(spec.target - spec.baseline) >= 5:
        return Decimal(round(value))
    return Decimal(str(round(value, 2)))


@dataclass
class PlanStory:
    """What happens to one plan (``state``: in_force, submitted, draft, revision)."""

    year: int
    team: Team | None
    state: str = "in_force"


class PlanBuilder:
    def __init__(self, *, seed: int, today: dt.date, log: Callable[[str], None]):
        self.rng = random.Random(seed)
        self.today = today
        self.now = timezone.now()
        self.log = log
        self.leaders = leaders()
        self.revision_type = ContentType.objects.get_for_model(PlanRevision)
        self.counts = {"plans": 0, "objectives": 0, "milestones": 0}
        # Backdating, applied in bulk at the end.
        self.completed_on: dict[int, dt.date] = {}
        self.update_times: list[tuple[int, dt.datetime]] = []

    def past(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or a little before now when it would be in the future."""
        return min(moment, self.now - dt.timedelta(minutes=self.rng.randint(5, 90)))

    # -- one plan -----------------------------------------------------------------------
    def build(self, story: PlanStory, company_teams: dict[str, Team], *, seed: int) -> None:
        year, team = story.year, story.team
        # Each plan draws from its own stream: skipping one that exists changes no other.
        code = team.department.code if team else "company"
        self.rng = rng = random.Random(f"{seed}:plans:{year}:{code}")
        coo, ceo = self.leaders["coo"], self.leaders["ceo"]
        author = team.head if team else coo
        approver = coo if team else ceo
        language = team.language if team else ("en" if year == self.today.year else "es")
        lang = 0 if language == "en" else 1
        if team:
            catalogue = BY_DEPARTMENT.get(team.department.code, GENERIC)
        else:
            catalogue = COMPANY
        count = min(len(catalogue), rng.randint(3, 5))
        specs = rng.sample(catalogue, count)
        weights = _weights(rng, count)
        name = team.department.name if team else ""

        plan = services.plan_create(
            user=author, year=year, department=team.department if team else None
        )
        revision = plan.latest_revision
        objectives: list[tuple[Objective, ObjectiveSpec]] = []
        for spec, weight in zip(specs, weights, strict=True):
            if team:
                owner = rng.choice(team.leads)
                milestone_people = team.everyone
            else:
                owner_team = company_teams.get(spec.owner_code)
                owner = owner_team.head if owner_team else coo
                milestone_people = owner_team.leads if owner_team else [coo]
            objective = services.objective_save(
                revision=revision,
                user=author,
                title=spec.title[lang].format(name=name),
                description="",
                weight=weight,
                kpi_name=spec.kpi[lang],
                kpi_unit=UNITS_ES.get(spec.unit, spec.unit) if lang else spec.unit,
                baseline=_number(spec.baseline, spec),
                target=_number(spec.target, spec),
                owner=owner,
            )
            self.counts["objectives"] += 1
            titles = spec.milestones[: rng.randint(2, min(4, len(spec.milestones)))]
            for i, title in enumerate(titles):
                # Spread over the year: one milestone in each slice of it.
                first = 1 + i * 12 // len(titles)
                last = max(first, (i + 1) * 12 // len(titles))
                month = rng.randint(first, last)
                due = dt.date(year, month, rng.randint(8, 28))
                services.milestone_save(
                    objective=objective,
                    user=author,
                    title=title[lang],
                    due_date=due,
                    owner=rng.choice(milestone_people),
                )
                self.counts["milestones"] += 1
            objectives.append((objective, spec))
        self.counts["plans"] += 1

        # Drafted in the autumn before the year, decided before it starts.
        drafted = aware(dt.date(year - 1, 11, rng.randint(3, 25)), rng.randint(9, 17))
        submitted = drafted + dt.timedelta(days=rng.randint(5, 20), hours=rng.randint(1, 6))
        decided = submitted + dt.timedelta(days=rng.randint(1, 8), hours=rng.randint(1, 5))
        times = {"created": drafted}
        if story.state == "draft":
            self._backdate_revision(revision, plan, times)
            return
        transition(obj=revision, action=Action.SUBMIT, user=author)
        if story.state == "submitted":
            # A late plan: sent to the COO only a few days ago.
            times["created"] = self.past(aware(self.today - dt.timedelta(days=30), 10))
            times[Action.SUBMIT] = self.past(self.now - dt.timedelta(days=rng.randint(2, 6)))
            self._backdate_revision(revision, plan, times)
            return
        transition(obj=revision, action=Action.APPROVE, user=approver)
        times[Action.SUBMIT], times[Action.APPROVE] = submitted, decided
        self._backdate_revision(revision, plan, times)

        for objective, spec in objectives:
            self._progress(objective, spec, language, year)
        self._milestones(revision, author, language, year)

        if story.state == "revision":
            self._second_revision(plan, author, objectives, language, decided)

    def _backdate_revision(self, revision: PlanRevision, plan: AnnualPlan, times: dict) -> None:
        created = times["created"]
        if revision.number == 1:
            AnnualPlan.objects.filter(pk=plan.pk).update(created_at=created)
        fields = {"created_at": created}
        if Action.SUBMIT in times:
            fields["submitted_at"] = times[Action.SUBMIT]
        if Action.APPROVE in times:
            fields["decided_at"] = times[Action.APPROVE]
        PlanRevision.objects.filter(pk=revision.pk).update(**fields)
        for action in (Action.SUBMIT, Action.APPROVE):
            if action in times:
                ApprovalEvent.objects.filter(
                    content_type=self.revision_type, object_id=revision.pk, action=action
                ).update(created_at=times[action])

    def _months(self, year: int) -> list[dt.date]:
        """The months reported for a year's plan: every month that ended, and the current one
        late in the month (or when it is the year's first)."""
        months = []
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            ended = month_end(first) < self.today
            current = first <= self.today and (self.today.day >= 20 or not months)
            if ended or current:
                months.append(first)
        return months

    def _progress(self, objective: Objective, spec: ObjectiveSpec, language: str, year: int):
        rng = self.rng
        behind = rng.random() < 0.25
        pace = rng.uniform(0.55, 0.8) if behind else rng.uniform(0.9, 1.12)
        days_in_year = 366 if calendar.isleap(year) else 365
        percent = 0
        comments = COMMENTS[language]["behind" if behind else "on"]
        months = self._months(year)
        earlier = []
        for index, month in enumerate(months):
            until = min(month_end(month), self.today)
            share = until.timetuple().tm_yday / days_in_year
            figure = round(100 * share * pace + rng.uniform(-3, 3))
            percent = max(percent, min(100, max(1, figure)))
            reached = spec.baseline + (spec.target - spec.baseline) * (percent / 100)
            value = reached * rng.uniform(0.97, 1.03) if spec.baseline else reached
            comment = rng.choice(comments) if rng.random() < 0.7 else ""
            reported = aware(month_end(month) + dt.timedelta(days=rng.randint(1, 6)), 10)
            reported = self.past(reported + dt.timedelta(minutes=rng.randint(0, 300)))
            if index < len(months) - 1:
                # The months before the latest, as the service records them, in bulk.
                earlier.append(
                    ProgressUpdate(
                        objective=objective,
                        month=month,
                        kpi_value=_number(value, spec),
                        percent_complete=percent,
                        comment=comment,
                        author=objective.owner,
                        created_at=reported,
                    )
                )
                continue
            ProgressUpdate.objects.bulk_create(earlier)
            # The latest month through the service, which keeps the objective's figure.
            update = services.progress_record(
                objective=objective,
                user=objective.owner,
                month=month,
                percent_complete=percent,
                kpi_value=_number(value, spec),
                comment=comment,
            )
            self.update_times.append((update.pk, reported))

    def _milestones(self, revision: PlanRevision, author: User, language: str, year: int):
        rng, today = self.rng, self.today
        notes = COMMENTS[language]["evidence"]
        milestones = list(
            Milestone.objects.filter(objective__revision=revision).select_related("owner")
        )
        for milestone in milestones:
            due = milestone.due_date
            roll = rng.random()
            if due < today:
                if roll < 0.03:
                    services.milestone_update(
                        milestone=milestone,
                        user=author,
                        status=Milestone.Status.CANCELLED,
                        evidence_note=COMMENTS[language]["cancelled"],
                    )
                elif roll < 0.83:
                    services.milestone_update(
                        milestone=milestone,
                        user=milestone.owner,
                        status=Milestone.Status.DONE,
                        evidence_note=rng.choice(notes),
                    )
                    # Mostly a few days early; sometimes a little after the date.
                    if rng.random() < 0.8:
                        done = due - dt.timedelta(days=rng.randint(0, 12))
                    else:
                        done = due + dt.timedelta(days=rng.randint(1, 10))
                    self.completed_on[milestone.pk] = max(dt.date(year, 1, 2), min(done, today))
                elif roll < 0.93:
                    # Started but not finished by its date: it turns late.
                    services.milestone_update(
                        milestone=milestone,
                        user=milestone.owner,
                        status=Milestone.Status.IN_PROGRESS,
                        percent_complete=rng.choice([30, 40, 50, 60, 70, 80]),
                    )
                # else: never started; the late job marks it.
            elif (due - today).days <= 45 and roll < 0.65:
                services.milestone_update(
                    milestone=milestone,
                    user=milestone.owner,
                    status=Milestone.Status.IN_PROGRESS,
                    percent_complete=rng.choice([10, 20, 30, 40, 50, 60, 70]),
                )

    def _second_revision(
        self,
        plan: AnnualPlan,
        author: User,
        objectives: list[tuple[Objective, ObjectiveSpec]],
        language: str,
        approved: dt.datetime,
    ) -> None:
        rng = self.rng
        objective, spec = objectives[0]
        stretch = spec.target + (spec.target - spec.baseline) * 0.15
        new_target = _number(stretch, spec)
        summary = COMMENTS[language]["revision"].format(
            title=objective.title, target=f"{new_target} {objective.kpi_unit}".strip()
        )
        revision = services.revision_start(plan=plan, user=author, summary_of_changes=summary)
        copy = revision.objectives.get(lineage=objective.lineage)
        services.objective_save(revision=revision, user=author, objective=copy, target=new_target)
        transition(obj=revision, action=Action.SUBMIT, user=author)
        start = max(approved + dt.timedelta(days=1), self.now - dt.timedelta(days=12))
        created = self.past(start)
        submitted = self.past(created + (self.now - created) * rng.uniform(0.4, 0.7))
        self._backdate_revision(revision, plan, {"created": created, Action.SUBMIT: submitted})

    # -- after all plans ----------------------------------------------------------------
    def finish(self) -> None:
        """Move completion dates, report times and milestone history into the past."""
        set_rows(Milestone, {pk: {"completed_on": day} for pk, day in self.completed_on.items()})
        set_rows(ProgressUpdate, {pk: {"created_at": moment} for pk, moment in self.update_times})
        # The milestone's change history: created with the plan, changed when it was done.
        history = Milestone.history.model
        changes = history.objects.filter(
            id__in=list(self.completed_on), history_type="~"
        ).values_list("history_id", "id")
        set_rows(
            history,
            {
                history_id: {"history_date": aware(self.completed_on[pk], 16, history_id % 60)}
                for history_id, pk in changes
            },
        )


def set_rows(model, values: dict[int, dict]) -> None:
    """Backdate: set each row's fields (``{pk: {field name: value}}``), one ``executemany`` per
    set of fields. Django's ``bulk_update`` builds a CASE expression per row and field, which
    for a year of reports costs seconds; this costs a few milliseconds."""
    connection = transaction.get_connection()
    meta = model._meta
    groups: dict[tuple[str, ...], list[tuple[int, dict]]] = {}
    for pk, fields in values.items():
        groups.setdefault(tuple(sorted(fields)), []).append((pk, fields))
    quote = connection.ops.quote_name
    for names, rows in groups.items():
        if not names:
            continue
        columns = [meta.get_field(name) for name in names]
        assignments = ", ".join(f"{quote(f.column)} = %s" for f in columns)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        params = [
            [f.get_db_prep_value(fields[f.name], connection) for f in columns] + [pk]
            for pk, fields in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


def settle_notifications(since_pk: int, *, keep_urls: set[str]) -> int:
    """Mark read what the demo's history told people (it happened long ago), except the
    notifications about what still waits for someone (``keep_urls``)."""
    return (
        Notification.objects.filter(pk__gt=since_pk, read_at__isnull=True)
        .exclude(url__in=keep_urls)
        .update(read_at=timezone.now())
    )


def _last_year_departments(size: str) -> int:
    return {"small": 3, "medium": 6}.get(size, 10)


def build(*, size: str, seed: int, today: dt.date, log) -> str:
    people = leaders()
    if len(people) < 2:
        return "skipped (no CEO or COO)"
    all_teams = teams()
    if not all_teams:
        return "skipped (no departments)"
    by_code = {t.department.code: t for t in all_teams}
    year = today.year
    stories = [PlanStory(year, None)]
    special = {}
    if len(all_teams) >= 4:
        special = {
            all_teams[1].department.pk: "revision",
            all_teams[-2].department.pk: "submitted",
            all_teams[-1].department.pk: "draft",
        }
    stories += [PlanStory(year, t, special.get(t.department.pk, "in_force")) for t in all_teams]
    stories += [PlanStory(year - 1, None)]
    stories += [PlanStory(year - 1, t) for t in all_teams[: _last_year_departments(size)]]

    existing = set(
        AnnualPlan.objects.filter(year__in=[year - 1, year]).values_list("year", "department_id")
    )
    builder = PlanBuilder(seed=seed, today=today, log=log)
    since = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with demo.one_transaction():
        for story in stories:
            key = (story.year, story.team.department.pk if story.team else None)
            if key in existing:
                continue
            builder.build(story, by_code, seed=seed)
        builder.finish()
    waiting = PlanRevision.objects.filter(status=State.SUBMITTED).select_related("plan")
    settle_notifications(since, keep_urls={r.get_absolute_url() for r in waiting})
    with demo.one_transaction():
        services.milestones_mark_late(today=today)
    counts = builder.counts
    return (
        f"{counts['plans']} plans, {counts['objectives']} objectives, "
        f"{counts['milestones']} milestones"
    )
