"""python manage.py seed_demo [--size small|medium|large] [--seed N] [--password P]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.test.utils import override_settings
from django.utils import timezone

from core import demo
from organization.demo import DEFAULT_PASSWORD, SIZES, build_cast
from organization.models import User

CAST_LINES = 60


class Command(BaseCommand):
    help = (
        "Build the demo company (departments, the cast and its people) through the services. "
        "Deterministic for a given --seed; a second run adds nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--size", choices=sorted(SIZES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already has users (used by 'make run').",
        )

    def handle(self, *args, size: str, seed: int, password: str, if_empty: bool, **options):
        if if_empty and User.objects.exists():
            self.stdout.write("The database already has users; demo data not loaded.")
            return
        started = time.monotonic()
        today = timezone.localdate()
        # The demo company's notifications stay in the portal: nobody is e-mailed about them.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            result = build_cast(size=size, seed=seed, password=password, today=today)
            summaries = [
                f"{name}: {builder(size=size, seed=seed, today=today, log=self.stdout.write)}"
                for name, builder in demo.builders()
            ]
        elapsed = time.monotonic() - started

        self.stdout.write(self.style.MIGRATE_HEADING("The cast"))
        self.stdout.write(f"{'username':<28} {'role':<16} {'department':<11} name")
        shown = [m for m in result.cast if m.role != "staff"] + [
            m for m in result.cast if m.role == "staff"
        ]
        for member in shown[:CAST_LINES]:
            self.stdout.write(
                f"{member.username:<28} {member.role:<16} {member.department or '-':<11} {member.name}"
            )
        if len(shown) > CAST_LINES:
            self.stdout.write(f"... and {len(shown) - CAST_LINES} more people.")
        password_note = (
            "the one given with --password" if password != DEFAULT_PASSWORD else password
        )
        self.stdout.write(f"Every account's password: {password_note}")
        for summary in summaries:
            self.stdout.write(summary)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ({size}, seed {seed}): {result.departments_created} departments and "
                f"{result.people_created} people created, {len(result.cast)} in the cast, "
                f"in {elapsed:.1f} s."
            )
        )
