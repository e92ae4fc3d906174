"""Celery tasks of the organization app: thin wrappers around its services."""

from __future__ import annotations

from celery import shared_task

from organization.services.notifications import notification_emails_send


@shared_task(
    name="organization.tasks.send_notification_emails",
    autoretry_for=(Exception,),
    retry_backoff=30,
    max_retries=5,
)
def send_notification_emails(ids: list[int]) -> int:
    return notification_emails_send(ids=ids)
