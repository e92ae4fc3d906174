"""The Celery application.

Configuration comes from Django settings (the ``CELERY_`` names). Without ``REDIS_URL`` tasks
run eagerly in the web process; with it, ``celery -A coo_portal worker`` executes them and
``celery -A coo_portal beat`` fires the periodic jobs stored by django-celery-beat.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coo_portal.settings")

app = Celery("coo_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
