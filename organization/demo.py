"""The demo company and its cast, built through the services.

``seed_demo`` builds it for people to try the portal; the tests build a small slice of the same
cast (``build_cast`` with a short department list). Everything is derived from the seed, so the
same command gives the same company, and a second run finds everything in place and adds
nothing.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from organization.models import Department, Person, User
from organization.roles import Role
from organization.services.departments import department_create, department_update
from organization.services.people import person_create

DEFAULT_PASSWORD = "demo-pass-2026"
EMAIL_DOMAIN = "example.com"


@dataclass(frozen=True)
class Size:
    departments: int
    people: int


SIZES = {
    "small": Size(departments=8, people=80),
    "medium": Size(departments=25, people=600),
    "large": Size(departments=60, people=6000),
}

# (code, name, parent code). Parents come before their children; the first eight make the
# small company on two levels, the first 25 the medium one, all 60 the large one.
DEPARTMENTS: list[tuple[str, str, str | None]] = [
    ("OPS", "Operations", None),
    ("FIN", "Finance", None),
    ("HR", "People & Culture", None),
    ("IT", "Technology", None),
    ("SAL", "Sales", None),
    ("LOG", "Logistics", "OPS"),
    ("PRD", "Production", "OPS"),
    ("ACC", "Accounting", "FIN"),
    ("MKT", "Marketing", None),
    ("LEG", "Legal & Compliance", None),
    ("PUR", "Purchasing", "OPS"),
    ("QA", "Quality Assurance", "OPS"),
    ("TRS", "Treasury", "FIN"),
    ("CTL", "Controlling", "FIN"),
    ("REC", "Recruiting", "HR"),
    ("TRN", "Training & Development", "HR"),
    ("INF", "Infrastructure", "IT"),
    ("DEV", "Software Development", "IT"),
    ("SUP", "IT Support", "IT"),
    ("SNO", "Sales North", "SAL"),
    ("SSO", "Sales South", "SAL"),
    ("KAM", "Key Accounts", "SAL"),
    ("BRD", "Brand & Communication", "MKT"),
    ("DIG", "Digital Marketing", "MKT"),
    ("CSV", "Customer Service", None),
    ("RND", "Research & Development", None),
    ("FAC", "Facilities", "OPS"),
    ("WHS", "Warehousing", "LOG"),
    ("TRA", "Transport", "LOG"),
    ("MNT", "Maintenance", "PRD"),
    ("ASM", "Assembly", "PRD"),
    ("PAY", "Payroll", "HR"),
    ("TAX", "Tax", "FIN"),
    ("SEC", "Information Security", "IT"),
    ("DAT", "Data & Analytics", "IT"),
    ("ENG", "Engineering", "RND"),
    ("LAB", "Laboratory", "RND"),
    ("PMO", "Project Office", None),
    ("EXP", "Export", "SAL"),
    ("CEN", "Sales Centre", "SAL"),
    ("EVT", "Events", "MKT"),
    ("CON", "Contracts", "LEG"),
    ("CMP", "Compliance", "LEG"),
    ("SRC", "Strategic Sourcing", "PUR"),
    ("SUPL", "Supplier Quality", "QA"),
    ("AUD", "Internal Audit", None),
    ("HSE", "Health, Safety & Environment", "OPS"),
    ("PLN", "Production Planning", "PRD"),
    ("INV", "Inventory Control", "LOG"),
    ("CLM", "Claims", "CSV"),
    ("CCT", "Contact Centre", "CSV"),
    ("FLD", "Field Service", "CSV"),
    ("PRJ", "Projects", "PMO"),
    ("PMD", "Product Management", "RND"),
    ("UXD", "User Experience", "IT"),
    ("BIZ", "Business Development", "SAL"),
    ("CMS", "Communications", "MKT"),
    ("BEN", "Compensation & Benefits", "HR"),
    ("REP", "Reporting", "FIN"),
    ("ARC", "Records & Archive", "LEG"),
]

SPANISH_FIRST = [
    "María",
    "Lucía",
    "Carmen",
    "Ana",
    "Laura",
    "Marta",
    "Elena",
    "Paula",
    "Sara",
    "Isabel",
    "Cristina",
    "Pilar",
    "Rocío",
    "Nuria",
    "Beatriz",
    "Silvia",
    "Raquel",
    "Alba",
    "Irene",
    "Sofía",
    "José",
    "Antonio",
    "Manuel",
    "Francisco",
    "David",
    "Javier",
    "Daniel",
    "Carlos",
    "Miguel",
    "Alejandro",
    "Rafael",
    "Pablo",
    "Sergio",
    "Jorge",
    "Luis",
    "Alberto",
    "Fernando",
    "Álvaro",
    "Diego",
    "Andrés",
    "Ignacio",
    "Rubén",
    "Íñigo",
    "Joaquín",
]
SPANISH_LAST = [
    "García",
    "Fernández",
    "González",
    "Rodríguez",
    "López",
    "Martínez",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Martín",
    "Jiménez",
    "Ruiz",
    "Hernández",
    "Díaz",
    "Moreno",
    "Muñoz",
    "Álvarez",
    "Romero",
    "Alonso",
    "Gutiérrez",
    "Navarro",
    "Torres",
    "Domínguez",
    "Vázquez",
    "Ramos",
    "Gil",
    "Ramírez",
    "Serrano",
    "Blanco",
    "Molina",
    "Morales",
    "Suárez",
    "Ortega",
    "Delgado",
    "Castro",
    "Ortiz",
    "Rubio",
    "Marín",
    "Sanz",
    "Núñez",
    "Iglesias",
    "Medina",
    "Garrido",
    "Cortés",
    "Castillo",
    "Santos",
    "Lozano",
    "Guerrero",
    "Cano",
    "Prieto",
    "Méndez",
    "Calvo",
]
ENGLISH_FIRST = [
    "Emma",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Grace",
    "Sophie",
    "Charlotte",
    "Emily",
    "Lily",
    "Hannah",
    "Chloe",
    "Jessica",
    "Rachel",
    "Sarah",
    "Laura",
    "Megan",
    "Rebecca",
    "Alice",
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Charlie",
    "Thomas",
    "James",
    "William",
    "Daniel",
    "Samuel",
    "Joseph",
    "Henry",
    "Edward",
    "Michael",
    "David",
    "Matthew",
    "Andrew",
    "Peter",
    "Robert",
    "Richard",
    "Christopher",
]
ENGLISH_LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Harris",
    "Lewis",
    "Clark",
    "Turner",
    "Hill",
    "Scott",
    "Cooper",
    "Morris",
    "Ward",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Patel",
    "Young",
    "Allen",
    "Mitchell",
    "Bennett",
    "Carter",
    "Phillips",
    "Parker",
    "Edwards",
    "Collins",
    "Stewart",
]
STAFF_POSITIONS = [
    "Analyst",
    "Senior Analyst",
    "Specialist",
    "Coordinator",
    "Technician",
    "Assistant",
    "Administrator",
    "Officer",
    "Consultant",
    "Associate",
]


@dataclass
class CastMember:
    username: str
    role: str
    department: str | None
    name: str
    created: bool


@dataclass
class DemoResult:
    cast: list[CastMember] = field(default_factory=list)
    departments_created: int = 0

    @property
    def people_created(self) -> int:
        return sum(1 for member in self.cast if member.created)


def ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


class _Builder:
    def __init__(self, *, seed: int, password: str, today: date, log: Callable[[str], None]):
        self.rng = random.Random(seed)
        self.password_hash = make_password(password)
        self.today = today
        self.log = log
        self.result = DemoResult()
        self.usernames: set[str] = set(User.objects.values_list("username", flat=True))
        self.taken_new: set[str] = set()

    # -- names ---------------------------------------------------------------------------
    def name(self) -> tuple[str, str, str]:
        """First name, last name and a preferred language, from one of two cultures."""
        if self.rng.random() < 0.6:
            first = self.rng.choice(SPANISH_FIRST)
            last = f"{self.rng.choice(SPANISH_LAST)} {self.rng.choice(SPANISH_LAST)}"
            return first, last, "es"
        return self.rng.choice(ENGLISH_FIRST), self.rng.choice(ENGLISH_LAST), "en"

    def username_for(self, first: str, last: str) -> str:
        base = f"{ascii_slug(first)}.{ascii_slug(last.split()[0])}"
        candidate, n = base, 1
        while candidate in self.taken_new:
            n += 1
            candidate = f"{base}{n}"
        self.taken_new.add(candidate)
        return candidate

    # -- records -------------------------------------------------------------------------
    def person(
        self,
        *,
        username: str,
        first: str,
        last: str,
        language: str,
        role: str,
        department: Department | None,
        position: str,
        manager: Person | None,
        years: tuple[int, int],
        is_staff: bool = False,
    ) -> Person:
        hired = self.today - timedelta(days=self.rng.randint(years[0] * 365, years[1] * 365))
        phone = f"+34 91{self.rng.randint(0, 9)} {self.rng.randint(100, 999)} {self.rng.randint(100, 999)}"
        code = department.code if department else None
        if username in self.usernames:
            person = Person.objects.select_related("user").get(user__username=username)
            self.result.cast.append(CastMember(username, role, code, person.full_name, False))
            return person
        person = person_create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{EMAIL_DOMAIN}",
            department=department,
            position=position,
            manager=manager,
            hire_date=hired,
            phone=phone,
            roles=[role],
            password_hash=self.password_hash,
            language=language,
            is_staff=is_staff,
        )
        self.usernames.add(username)
        self.result.cast.append(CastMember(username, role, code, person.full_name, True))
        return person


def build_cast(
    *,
    size: str = "small",
    seed: int = 2026,
    password: str = DEFAULT_PASSWORD,
    departments: list[tuple[str, str, str | None]] | None = None,
    people: int | None = None,
    per_department: int | None = None,
    today: date | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoResult:
    """Build (or complete) the demo company: departments, the cast and everyone else.

    ``departments`` and ``people`` override the size's numbers; ``per_department`` puts exactly
    that many people (one manager, the rest staff) under each head (the tests use this).
    """
    spec = SIZES[size]
    department_rows = departments if departments is not None else DEPARTMENTS[: spec.departments]
    total_people = people if people is not None else spec.people
    builder = _Builder(seed=seed, password=password, today=today or date.today(), log=log)
    rng = builder.rng

    with transaction.atomic():
        by_code: dict[str, Department] = {
            d.code: d
            for d in Department.objects.filter(code__in=[row[0] for row in department_rows])
        }
        for code, name, parent_code in department_rows:
            if code not in by_code:
                by_code[code] = department_create(
                    code=code, name=name, parent=by_code.get(parent_code) if parent_code else None
                )
                builder.result.departments_created += 1

        # The leadership.
        ceo = builder.person(
            username="ceo",
            first="Isabel",
            last="Navarro Ortega",
            language="es",
            role=Role.CEO,
            department=None,
            position="Chief Executive Officer",
            manager=None,
            years=(8, 12),
        )
        coo = builder.person(
            username="coo",
            first="Daniel",
            last="Carter",
            language="en",
            role=Role.COO,
            department=None,
            position="Chief Operating Officer",
            manager=ceo,
            years=(5, 9),
            is_staff=True,
        )
        builder.person(
            username="auditor",
            first="Pilar",
            last="Méndez Rubio",
            language="es",
            role=Role.AUDITOR,
            department=None,
            position="Internal Auditor",
            manager=ceo,
            years=(2, 6),
            is_staff=True,
        )

        # One head per department, reporting to the parent's head (top level: to the COO).
        heads: dict[str, Person] = {}
        for code, name, parent_code in department_rows:
            first, last, language = builder.name()
            heads[code] = builder.person(
                username=f"head.{code.lower()}",
                first=first,
                last=last,
                language=language,
                role=Role.DEPARTMENT_HEAD,
                department=by_code[code],
                position=f"Head of {name}",
                manager=heads.get(parent_code) if parent_code else coo,
                years=(3, 15),
            )

        # The rest: managers and staff, spread over the departments.
        remaining = max(total_people - 3 - len(department_rows), 0)
        codes = [row[0] for row in department_rows]
        weights = [rng.uniform(0.6, 1.4) for _ in codes]
        counts = dict.fromkeys(codes, per_department or 0)
        if per_department is None:
            for _ in range(remaining):
                counts[rng.choices(codes, weights)[0]] += 1
        for code, name, _parent in department_rows:
            department = by_code[code]
            n = counts[code]
            managers: list[Person] = []
            n_managers = max(1, n // 9) if n else 0
            for i in range(n):
                first, last, language = builder.name()
                username = builder.username_for(first, last)
                if i < n_managers:
                    managers.append(
                        builder.person(
                            username=username,
                            first=first,
                            last=last,
                            language=language,
                            role=Role.MANAGER,
                            department=department,
                            position=f"{name} Manager",
                            manager=heads[code],
                            years=(2, 12),
                        )
                    )
                else:
                    builder.person(
                        username=username,
                        first=first,
                        last=last,
                        language=language,
                        role=Role.STAFF,
                        department=department,
                        position=rng.choice(STAFF_POSITIONS),
                        manager=managers[i % len(managers)],
                        years=(0, 10),
                    )

        for code, head in heads.items():
            department = by_code[code]
            if department.head_id != head.pk:
                department_update(department=department, head=head)
    return builder.result
