"""Time the main pages and API lists as their users see them, on a seeded database.

Run on demand (not part of the tests), against the database in DATABASE_URL:

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/pages.py --size small

The database is seeded with ``seed_demo --size SIZE`` first if it has no users. For each page
the script prints the median time of ``--repeat`` requests (after one warm-up request) and the
number of SQL queries; the query counts are pinned by the tests, the times are for the notes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coo_portal.settings")
os.environ.setdefault("DEBUG", "1")

PAGES = [
    ("coo", "/"),
    ("ceo", "/"),
    ("head.ops", "/"),
    ("coo", "/operations/plans/"),
    ("head.ops", "/operations/plans/timeline/"),
    ("coo", "/operations/reports/"),
    ("coo", "/operations/reports/grid/?kind=weekly&periods=26"),
    ("head.ops", "/operations/reports/"),
    ("coo", "/operations/action-items/"),
    ("coo", "/operations/coordination/?box=all"),
    ("coo", "/operations/coordination/matrix/"),
    ("head.ops", "/operations/coordination/"),
    ("ceo", "/operations/decisions/"),
    ("coo", "/operations/decisions/log/"),
    ("coo", "/api/v1/work-reports/"),
    ("coo", "/api/v1/plans/"),
    ("coo", "/api/v1/coordination-requests/"),
    ("ceo", "/api/v1/decisions/"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=["small", "medium", "large"])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from organization.models import User

    setup_test_environment()
    if not User.objects.exists():
        call_command("seed_demo", size=args.size, verbosity=0)
    clients: dict[str, Client] = {}
    print(f"{'user':<10} {'page':<58} {'median ms':>9} {'queries':>7}")
    for username, url in PAGES:
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client()
            client.force_login(User.objects.get(username=username))
        client.get(url)  # warm-up: templates, caches
        timings = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} as {username}: HTTP {response.status_code}")
        median = statistics.median(timings)
        print(f"{username:<10} {url:<58} {median:>9.1f} {len(queries):>7}")


if __name__ == "__main__":
    main()
