"""Demo regulations, procedures and department rules, in Spanish and English, in every state.

Built through the services and the approval workflow, as the people of the demo cast. Only
``published_at`` is moved into the past afterwards, so that reminders have something to remind
of. A regulation whose title already exists is left alone: a second run adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from approvals.models import Action
from approvals.services import transition
from operations.audience import audience_users
from operations.models import Regulation, RegulationVersion
from operations.services.regulations import (
    StepData,
    acknowledgement_record,
    regulation_create,
    version_start_new,
    version_update,
)
from organization.models import Department, User


@dataclass
class DemoRegulation:
    title: str
    kind: str
    author: str
    body: str
    department: str | None = None
    category: str = ""
    audience: list[str] = field(default_factory=list)
    steps: list[StepData] = field(default_factory=list)
    #: The moves after creation: "submit", "approve", "return:<reason>", "publish", "archive",
    #: "new-version:<summary>|<extra text>" (starts and fills v2), "ack:<share>" (share acks).
    moves: list[str] = field(default_factory=list)
    published_days_ago: int = 30


CODE_OF_CONDUCT_ES = """## Objeto

Este código recoge los principios de comportamiento que se esperan de todas las personas de la
empresa en su relación con clientes, proveedores y compañeros.

## Principios

1. **Integridad**: actuamos con honestidad y evitamos cualquier conflicto de intereses.
2. **Respeto**: no se tolera ninguna forma de acoso o discriminación.
3. **Confidencialidad**: la información de clientes y de la empresa se usa solo para el trabajo.
4. **Cumplimiento**: respetamos la ley y las normas internas.

## Canal de consultas

Las dudas se dirigen al responsable del departamento o a la Dirección de Operaciones.
"""

TRAVEL_EN = """## Scope

Applies to every business trip paid by the company.

## Rules

- Trips are requested in advance and approved by the head of department.
- Economy class for flights under six hours; rail is preferred under 600 km.
- Hotels up to the city limit published by Finance; receipts are kept for every expense.
- Expense claims are filed within **15 days** of the return.

| Item | Limit |
| --- | --- |
| Daily meals | EUR 45 |
| Hotel (Madrid, Barcelona) | EUR 140 per night |
| Hotel (other cities) | EUR 95 per night |
"""

PURCHASING_ES = """## Objeto

Normalizar las compras de bienes y servicios para garantizar precio, calidad y trazabilidad.

## Alcance

Toda compra superior a **3.000 EUR**. Por debajo de ese importe basta la aprobación del
responsable del departamento solicitante.

## Documentos

- Solicitud de compra
- Comparativa de al menos tres ofertas
- Pedido firmado
"""

SECURITY_EN = """## Purpose

Protect the company's information and systems against loss, theft and misuse.

## Rules

- Passwords have at least 14 characters; multi-factor authentication is mandatory for e-mail
  and remote access.
- Laptops are encrypted and locked when unattended.
- Suspicious messages are reported to IT Support, never forwarded.
- Access rights are reviewed every quarter by each head of department.
"""

REMOTE_WORK_ES = """## Objeto

Regular el trabajo a distancia hasta **dos días por semana** en los puestos que lo permitan.

## Condiciones

- Acuerdo previo con el responsable del departamento.
- Conexión a través de la VPN corporativa.
- Disponibilidad en el horario común de 10:00 a 14:00.
"""

WAREHOUSE_EN = """## Warehouse safety rules

1. High-visibility vests and safety boots at all times on the warehouse floor.
2. Forklifts are driven only by certified staff; pedestrians keep to marked walkways.
3. Pallets are stacked no higher than three levels.
4. Any incident, even without injury, is reported to the shift manager the same day.
"""

CASH_ES = """## Normas de caja y tesorería

- Los pagos superiores a 10.000 EUR requieren dos firmas.
- El arqueo de caja se realiza cada viernes y se archiva firmado.
- Ninguna persona autoriza un pago a su propio favor.
"""

CLOSING_EN = """## Month-end closing

The accounting close is finished on the **third working day** of each month, so that the COO's
operating report can be produced on the fifth.
"""

DATA_PROTECTION_ES = """## Protección de datos (versión anterior)

Sustituida por la política general de seguridad de la información.
"""

COMPLAINTS_EN = """## Customer complaint handling

Every complaint is logged, acknowledged to the customer within one working day and resolved or
escalated within ten.
"""

REGULATIONS = [
    DemoRegulation(
        title="Código de conducta",
        kind=Regulation.Kind.POLICY,
        author="coo",
        body=CODE_OF_CONDUCT_ES,
        category="Ética",
        moves=[
            "submit",
            "approve",
            "publish",
            "new-version:Se añade el canal de denuncias anónimas.|\n## Canal de denuncias\n\n"
            "Cualquier persona puede comunicar de forma anónima un incumplimiento a través del "
            "buzón ético.\n",
            "submit",
            "approve",
            "publish",
            "ack:0.7",
        ],
        published_days_ago=20,
    ),
    DemoRegulation(
        title="Travel and expenses policy",
        kind=Regulation.Kind.POLICY,
        author="coo",
        body=TRAVEL_EN,
        category="Finance",
        moves=["submit", "approve", "publish", "ack:0.5"],
        published_days_ago=45,
    ),
    DemoRegulation(
        title="Procedimiento de compras",
        kind=Regulation.Kind.PROCEDURE,
        author="coo",
        body=PURCHASING_ES,
        category="Compras",
        steps=[
            StepData(
                "Solicitud de compra", "Departamento solicitante", "Necesidad", "Solicitud", "1 día"
            ),
            StepData(
                "Petición de ofertas", "Compras", "Solicitud", "Tres ofertas", "5 días laborables"
            ),
            StepData("Comparativa y propuesta", "Compras", "Ofertas", "Propuesta", "2 días"),
            StepData(
                "Aprobación", "Responsable de Finanzas", "Propuesta", "Pedido aprobado", "2 días"
            ),
            StepData(
                "Recepción y conformidad", "Almacén", "Mercancía", "Albarán firmado", "Al recibir"
            ),
        ],
        moves=["submit", "approve", "publish", "ack:0.85"],
        published_days_ago=90,
    ),
    DemoRegulation(
        title="Information security policy",
        kind=Regulation.Kind.POLICY,
        author="coo",
        body=SECURITY_EN,
        category="IT",
        moves=["submit"],
    ),
    DemoRegulation(
        title="Reglamento de teletrabajo",
        kind=Regulation.Kind.REGULATION,
        author="coo",
        body=REMOTE_WORK_ES,
        category="Personas",
    ),
    DemoRegulation(
        title="Warehouse safety rules",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        author="head.log",
        department="LOG",
        body=WAREHOUSE_EN,
        category="Safety",
        audience=["LOG"],
        moves=["submit", "approve", "publish", "ack:0.6"],
        published_days_ago=12,
    ),
    DemoRegulation(
        title="Normas de caja y tesorería",
        kind=Regulation.Kind.DEPARTMENT_RULE,
        author="head.fin",
        department="FIN",
        body=CASH_ES,
        category="Tesorería",
        audience=["FIN"],
        moves=["submit", "return:Indique quién custodia las llaves de la caja y el límite diario."],
    ),
    DemoRegulation(
        title="Month-end closing procedure",
        kind=Regulation.Kind.PROCEDURE,
        author="head.acc",
        department="ACC",
        body=CLOSING_EN,
        category="Accounting",
        audience=["ACC", "FIN"],
        steps=[
            StepData(
                "Cut-off of purchase invoices", "Accounts payable", "Invoices", "Accruals", "Day 1"
            ),
            StepData(
                "Bank reconciliation", "Treasury", "Bank statements", "Reconciliation", "Day 2"
            ),
            StepData(
                "Trial balance review",
                "Head of Accounting",
                "Ledger",
                "Signed trial balance",
                "Day 3",
            ),
        ],
        moves=["submit", "approve"],
    ),
    DemoRegulation(
        title="Política de protección de datos",
        kind=Regulation.Kind.POLICY,
        author="coo",
        body=DATA_PROTECTION_ES,
        category="Legal",
        moves=["submit", "approve", "publish", "archive"],
        published_days_ago=400,
    ),
    DemoRegulation(
        title="Customer complaint handling",
        kind=Regulation.Kind.PROCEDURE,
        author="head.sal",
        department="SAL",
        body=COMPLAINTS_EN,
        category="Customer",
        audience=["SAL"],
        steps=[
            StepData(
                "Log the complaint",
                "Sales representative",
                "Customer contact",
                "Ticket",
                "Same day",
            ),
            StepData(
                "Acknowledge to the customer",
                "Sales representative",
                "Ticket",
                "E-mail",
                "1 working day",
            ),
            StepData(
                "Resolve or escalate", "Sales manager", "Ticket", "Resolution", "10 working days"
            ),
        ],
        moves=[
            "submit",
            "approve",
            "publish",
            "ack:0.4",
            "new-version:Adds escalation to Key Accounts.|",
        ],
        published_days_ago=60,
    ),
]


def _approver(department: str | None) -> str:
    return "ceo" if department is None else "coo"


def build(*, size: str, seed: int, today: date, log) -> str:
    users = {u.username: u for u in User.objects.filter(username__in=["ceo", "coo"]).all()}
    departments = {d.code: d for d in Department.objects.all()}
    created = 0
    for spec in REGULATIONS:
        rng_share = random.Random(f"{seed}:{spec.title}")
        if Regulation.objects.filter(title=spec.title).exists():
            continue
        if spec.department and spec.department not in departments:
            continue  # a smaller company without that department
        author = users.get(spec.author) or User.objects.filter(username=spec.author).first()
        if author is None:
            continue
        with transaction.atomic():
            regulation = regulation_create(
                user=author,
                title=spec.title,
                kind=spec.kind,
                body=spec.body,
                department=departments.get(spec.department) if spec.department else None,
                category=spec.category,
                audience_all=not spec.audience,
                audience_departments=[departments[c] for c in spec.audience if c in departments],
                steps=spec.steps,
            )
            approver = users[_approver(spec.department)]
            for move in spec.moves:
                _apply(regulation, move, author=author, approver=approver, rng=rng_share)
            RegulationVersion.objects.filter(
                regulation=regulation, published_at__isnull=False
            ).update(published_at=timezone.now() - timedelta(days=spec.published_days_ago))
        created += 1
    return f"{created} regulations created"


def _apply(regulation: Regulation, move: str, *, author: User, approver: User, rng) -> None:
    regulation.refresh_from_db()
    version = regulation.latest_version
    name, _sep, argument = move.partition(":")
    if name in (Action.SUBMIT, Action.APPROVE, Action.PUBLISH, Action.ARCHIVE):
        actor = author if name == Action.SUBMIT else approver
        transition(obj=version, action=name, user=actor)
    elif name == "return":
        transition(obj=version, action=Action.RETURN, user=approver, note=argument)
    elif name == "new-version":
        summary, _bar, extra = argument.partition("|")
        new = version_start_new(regulation=regulation, user=author)
        version_update(version=new, user=author, body=new.body + extra, summary_of_changes=summary)
    elif name == "ack":
        share = float(argument)
        audience = list(audience_users(regulation).order_by("pk"))
        for user in audience:
            if rng.random() < share:
                acknowledgement_record(regulation=regulation, user=user)
