"""Notifications: the one way anything in the portal tells a user something."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise

from organization.models import Notification, User

logger = logging.getLogger(__name__)

Text = str | Promise | Callable[[], str]


def _render(text: Text, language: str) -> str:
    """``text`` in ``language``: a string, a lazy translation, or a function composing one."""
    with translation.override(language):
        return text() if callable(text) else str(text)


def notification_send(
    *,
    recipients: Iterable[User],
    title: Text,
    body: Text = "",
    url: str = "",
    level: str = Notification.Level.INFO,
    key: str = "",
    email: bool = True,
) -> list[Notification]:
    """Notify each recipient in the portal and, after commit, by e-mail (through Celery).

    ``title`` and ``body`` may be lazy translations, or functions that compose the text: each
    recipient gets them in their own language. With a ``key``, a recipient who already has a notification with that key gets
    nothing new, which is what makes reminders safe to send twice.
    """
    unique: dict[int, User] = {}
    for user in recipients:
        if user is not None and user.is_active:
            unique.setdefault(user.pk, user)
    if key:
        already = set(
            Notification.objects.filter(recipient_id__in=unique, key=key).values_list(
                "recipient_id", flat=True
            )
        )
        for pk in already:
            unique.pop(pk, None)
    if not unique:
        return []
    notifications = []
    for user in unique.values():
        language = user.language or settings.LANGUAGE_CODE
        notifications.append(
            Notification(
                recipient=user,
                title=_render(title, language)[:200],
                body=_render(body, language),
                url=url,
                level=level,
                key=key,
            )
        )
    with transaction.atomic():
        created = Notification.objects.bulk_create(notifications)
    if email:
        ids = [n.pk for n in created if n.recipient.email]
        if ids:
            from organization.tasks import send_notification_emails

            transaction.on_commit(lambda: send_notification_emails.delay(ids))
    return created


def notification_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications (all unread ones when ``ids`` is None) as read."""
    queryset = Notification.objects.for_user(user).unread()
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    return queryset.update(read_at=timezone.now())


def notification_emails_send(*, ids: Iterable[int]) -> int:
    """E-mail the given notifications that have not been e-mailed yet; returns how many went.

    Each one is claimed (``emailed_at`` set) before sending, so that two workers never send the
    same notification; if sending fails the claim is released and the error raised for a retry.
    """
    sent = 0
    for notification in Notification.objects.filter(
        pk__in=list(ids), emailed_at__isnull=True
    ).select_related("recipient"):
        recipient = notification.recipient
        if not recipient.email:
            continue
        claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        language = recipient.language or settings.LANGUAGE_CODE
        with translation.override(language):
            lines = [notification.body] if notification.body else []
            if notification.url:
                lines.append(urljoin(settings.PORTAL_BASE_URL, notification.url))
            lines.append("")
            lines.append(
                translation.gettext("This message was sent by the %(portal)s.")
                % {"portal": settings.PORTAL_NAME}
            )
        try:
            send_mail(
                subject=settings.EMAIL_SUBJECT_PREFIX + notification.title,
                message="\n\n".join(lines),
                from_email=None,
                recipient_list=[recipient.email],
            )
        except Exception:
            Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent


def notification_purge(*, older_than_days: int) -> int:
    """Delete read notifications older than the retention period; returns how many went."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = Notification.objects.filter(read_at__isnull=False, created_at__lt=cutoff).delete()
    return deleted
