"""python manage.py run_job NAME [--period P] [--force] | --list"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core import jobs
from core.models import JobRun


class Command(BaseCommand):
    help = "Run a periodic job now, in this process, and record the run like beat would."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job's name (see --list).")
        parser.add_argument("--period", help="The period to run for (default: the current one).")
        parser.add_argument(
            "--force", action="store_true", help="Run even if the period already succeeded."
        )
        parser.add_argument("--list", action="store_true", help="List the periodic jobs.")

    def handle(self, *args, name=None, period=None, force=False, list=False, **options):
        if list or not name:
            for job in sorted(jobs.JOBS.values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name:<20} {job.schedule_label:<16} {job.description}")
            if not name:
                return
        try:
            jobs.get_job(name)
        except jobs.UnknownJob as exc:
            raise CommandError(str(exc)) from None
        try:
            run = jobs.job_run(
                name=name, period=period, force=force, trigger=JobRun.Trigger.COMMAND
            )
        except Exception as exc:
            raise CommandError(f"{name} failed: {exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(f"{name} [{run.period}] {run.get_status_display()}: {run.outcome}")
        )
