"""The operations app's part of the periodic jobs."""

from core import jobs
from operations.services.regulations import reminders_send

jobs.register_reminders("regulations", reminders_send)
