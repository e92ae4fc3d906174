"""python manage.py check_catalogue: every translation catalogue complete, compiled and current.

Fails when a .po file has untranslated or fuzzy entries, or when its committed .mo differs from
what msgfmt makes of it. Needs GNU gettext (Debian package ``gettext``).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def _count_entries(po_text: str) -> int:
    """Entries in msgattrib's output, not counting the header (the entry with an empty msgid)."""
    count = 0
    for block in po_text.split("\n\n"):
        msgid, in_msgid = [], False
        for line in block.splitlines():
            if line.startswith("msgid "):
                in_msgid = True
                msgid.append(line[len("msgid ") :].strip('"'))
            elif in_msgid and line.startswith('"'):
                msgid.append(line.strip('"'))
            else:
                in_msgid = False
        if "".join(msgid):
            count += 1
    return count


def locale_dirs() -> list[Path]:
    """The project catalogue (LOCALE_PATHS) and the ``locale`` folder of each of the portal's own
    apps (an app such as ``budgets`` keeps its strings in ``budgets/locale``)."""
    from django.apps import apps

    base = Path(settings.BASE_DIR).resolve()
    found = [Path(d) for d in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        folder = Path(config.path).resolve() / "locale"
        if folder.is_dir() and folder.parent.parent == base:
            found.append(folder)
    return found


class Command(BaseCommand):
    help = "Fail on untranslated or fuzzy catalogue entries, or a compiled catalogue out of date."

    def handle(self, *args, **options):
        for tool in ("msgattrib", "msgfmt"):
            if shutil.which(tool) is None:
                raise CommandError(
                    f"{tool} is missing: install GNU gettext (apt-get install gettext)."
                )
        problems = []
        catalogues = sorted({Path(p) for d in locale_dirs() for p in Path(d).rglob("*.po")})
        if not catalogues:
            raise CommandError("No translation catalogue found.")
        for po in catalogues:
            for flag, label in (("--untranslated", "untranslated"), ("--only-fuzzy", "fuzzy")):
                out = subprocess.run(
                    ["msgattrib", flag, "--no-obsolete", str(po)],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                count = _count_entries(out)
                if count:
                    problems.append(f"{po}: {count} {label} entries")
            mo = po.with_suffix(".mo")
            with tempfile.TemporaryDirectory() as tmp:
                fresh = Path(tmp) / "fresh.mo"
                subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
                if not mo.exists() or mo.read_bytes() != fresh.read_bytes():
                    problems.append(f"{mo}: missing or out of date (run: make messages)")
            self.stdout.write(f"checked {po}")
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(self.style.SUCCESS("Translation catalogues are complete and compiled."))
