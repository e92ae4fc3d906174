"""Notifications: sending (in each recipient's language, once per key), e-mail, pages."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy

from organization.models import Notification
from organization.services import notifications as service
from organization.services.notifications import (
    notification_emails_send,
    notification_mark_read,
    notification_send,
)
from organization.services.people import person_create, person_update, user_preferences_update
from organization.tests.helpers import count_queries, translated

# --------------------------------------------------------------------------------------------
# notification_send
# --------------------------------------------------------------------------------------------


def test_one_notification_per_active_recipient(cast):
    active = [cast["ceo"], cast["coo"], cast.staff("FIN")]
    gone = cast.staff("LOG")
    person_update(person=gone.person, active=False)
    gone.refresh_from_db()

    created = notification_send(
        recipients=[*active, gone, cast["coo"], None], title="Hello", body="Body", email=False
    )

    assert sorted(n.recipient_id for n in created) == sorted(u.pk for u in active)
    assert Notification.objects.count() == 3
    assert not Notification.objects.filter(recipient=gone).exists()
    stored = Notification.objects.get(recipient=cast["coo"])
    assert (stored.title, stored.body, stored.level, stored.read_at) == (
        "Hello",
        "Body",
        "info",
        None,
    )


def test_callable_texts_are_composed_in_each_recipients_language(cast):
    spanish, english, unset = cast["ceo"], cast["coo"], cast.staff("FIN")
    user_preferences_update(user=spanish, language="es", time_zone="")
    user_preferences_update(user=english, language="en", time_zone="")
    user_preferences_update(user=unset, language="", time_zone="")

    with translation.override("en"):
        notification_send(
            recipients=[spanish, english, unset],
            title=lambda: f"title:{translation.get_language()}",
            body=translation.get_language,
            email=False,
        )

    stored = {n.recipient_id: n for n in Notification.objects.all()}
    assert (stored[spanish.pk].title, stored[spanish.pk].body) == ("title:es", "es")
    assert (stored[english.pk].title, stored[english.pk].body) == ("title:en", "en")
    assert stored[unset.pk].body == settings.LANGUAGE_CODE
    assert translation.get_language() == "en", "the caller's language is left as it was"


def test_lazy_titles_are_rendered_in_each_recipients_language(cast):
    spanish, english = cast["ceo"], cast["coo"]
    user_preferences_update(user=spanish, language="es", time_zone="")
    user_preferences_update(user=english, language="en", time_zone="")
    title = gettext_lazy("Weekly operations digest")

    notification_send(recipients=[spanish, english], title=title, email=False)

    for user in (spanish, english):
        with translation.override(user.language):
            expected = str(title)
        assert Notification.objects.get(recipient=user).title == expected


def test_titles_are_cut_to_the_column_length(cast):
    (created,) = notification_send(recipients=[cast["coo"]], title="x" * 300, email=False)

    assert len(Notification.objects.get(pk=created.pk).title) == 200


def test_a_key_makes_a_second_send_to_the_same_recipient_a_no_op(cast):
    first = notification_send(recipients=[cast["coo"]], title="Reminder", key="r:1", email=False)

    second = notification_send(recipients=[cast["coo"]], title="Again", key="r:1", email=False)
    both = notification_send(
        recipients=[cast["coo"], cast["ceo"]], title="Third", key="r:1", email=False
    )
    other_key = notification_send(recipients=[cast["coo"]], title="New", key="r:2", email=False)

    assert len(first) == 1
    assert second == []
    assert [n.recipient_id for n in both] == [cast["ceo"].pk]
    assert len(other_key) == 1
    assert list(
        Notification.objects.filter(recipient=cast["coo"]).values_list("title", flat=True)
    ) == ["New", "Reminder"]


def test_without_a_key_every_send_notifies(cast):
    notification_send(recipients=[cast["coo"]], title="One", email=False)
    notification_send(recipients=[cast["coo"]], title="One", email=False)

    assert Notification.objects.filter(recipient=cast["coo"]).count() == 2


# --------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------


def test_emails_go_out_after_commit_one_per_recipient_with_an_address(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    no_email = person_create(username="no.mail", first_name="No", last_name="Mail").user
    recipients = [cast["coo"], cast["head.fin"], no_email]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = notification_send(
            recipients=recipients, title="Budget approved", body="Details", url="/org/people/"
        )
    assert len(created) == 3
    assert mailoutbox == [], "nothing is sent before the transaction commits"
    assert len(callbacks) == 1

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=recipients, title="Second", key="k")

    assert sorted(m.to[0] for m in mailoutbox) == ["coo@example.com", "head.fin@example.com"]
    assert all("Second" in m.subject for m in mailoutbox)
    assert all(m.subject.startswith(settings.EMAIL_SUBJECT_PREFIX) for m in mailoutbox)
    emailed = Notification.objects.filter(title="Second")
    assert {n.recipient_id: n.emailed_at is not None for n in emailed} == {
        cast["coo"].pk: True,
        cast["head.fin"].pk: True,
        no_email.pk: False,
    }


def test_email_body_has_the_link_and_the_footer_in_the_recipients_language(
    cast, mailoutbox, django_capture_on_commit_callbacks
):
    spanish = cast["head.fin"]
    user_preferences_update(user=spanish, language="es", time_zone="")

    with django_capture_on_commit_callbacks(execute=True):
        notification_send(recipients=[spanish], title="T", body="The body", url="/org/people/")

    (message,) = mailoutbox
    assert "The body" in message.body
    assert settings.PORTAL_BASE_URL.rstrip("/") + "/org/people/" in message.body
    with translation.override("es"):
        footer = translation.gettext("This message was sent by the %(portal)s.") % {
            "portal": settings.PORTAL_NAME
        }
    assert footer in message.body


def test_email_false_sends_no_email(cast, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification_send(recipients=[cast["coo"]], title="Quiet", email=False)

    assert callbacks == []
    assert mailoutbox == []


def test_notification_emails_send_twice_sends_once(cast, mailoutbox):
    created = notification_send(recipients=[cast["coo"], cast["ceo"]], title="Once", email=False)
    ids = [n.pk for n in created]

    first = notification_emails_send(ids=ids)
    second = notification_emails_send(ids=ids)

    assert (first, second) == (2, 0)
    assert len(mailoutbox) == 2
    assert not Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).exists()


def test_a_failed_email_releases_its_claim_for_a_retry(cast, mailoutbox, monkeypatch):
    (created,) = notification_send(recipients=[cast["coo"]], title="Retry me", email=False)

    def broken(**kwargs):
        raise ConnectionError("SMTP down")

    monkeypatch.setattr(service, "send_mail", broken)
    with pytest.raises(ConnectionError):
        notification_emails_send(ids=[created.pk])
    assert Notification.objects.get(pk=created.pk).emailed_at is None

    monkeypatch.undo()
    assert notification_emails_send(ids=[created.pk]) == 1
    assert len(mailoutbox) == 1


# --------------------------------------------------------------------------------------------
# Marking read
# --------------------------------------------------------------------------------------------


def test_notification_mark_read_touches_only_the_users_own(cast):
    mine = notification_send(recipients=[cast["coo"]], title="Mine", email=False)
    theirs = notification_send(recipients=[cast["ceo"]], title="Theirs", email=False)

    count = notification_mark_read(user=cast["coo"], ids=[mine[0].pk, theirs[0].pk])

    assert count == 1
    assert Notification.objects.get(pk=mine[0].pk).read_at is not None
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


@pytest.fixture
def inbox(cast):
    """head.ops has two unread notifications and one read; head.fin has one."""
    user = cast["head.ops"]
    unread = notification_send(recipients=[user], title="First unread", email=False)
    unread += notification_send(
        recipients=[user], title="Second unread", url="/org/departments/", email=False
    )
    (read,) = notification_send(recipients=[user], title="Already read", email=False)
    notification_mark_read(user=user, ids=[read.pk])
    (other,) = notification_send(recipients=[cast["head.fin"]], title="Not yours", email=False)
    return user, unread, read, other


def test_the_bell_shows_the_unread_count(client, inbox):
    user, _unread, _read, _other = inbox
    client.force_login(user)

    html = client.get("/org/departments/").content.decode()

    assert 'data-testid="unread-count">2<' in html


def test_the_bell_shows_no_count_when_all_is_read(client, cast):
    client.force_login(cast["coo"])

    html = client.get("/org/departments/").content.decode()

    assert 'data-testid="bell"' in html
    assert 'data-testid="unread-count"' not in html


def test_the_notification_list_shows_only_the_users_own(client, inbox):
    user, unread, read, _other = inbox
    client.force_login(user)

    all_of_them = client.get("/org/notifications/")
    only_unread = client.get("/org/notifications/", {"unread": "1"})

    assert {n.pk for n in all_of_them.context["notifications"]} == {
        *(n.pk for n in unread),
        read.pk,
    }
    assert {n.pk for n in only_unread.context["notifications"]} == {n.pk for n in unread}
    assert "Not yours" not in all_of_them.content.decode()


def test_the_home_panel_lists_the_unread_ones(client, inbox):
    user, _unread, _read, _other = inbox
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "First unread" in html
    assert "Second unread" in html
    assert "Already read" not in html


def test_mark_read_page_post_redirects_to_the_list(client, inbox):
    user, unread, _read, _other = inbox
    client.force_login(user)

    response = client.post(f"/org/notifications/{unread[0].pk}/read/")

    assert response.status_code == 302
    assert response["Location"] == "/org/notifications/"
    assert Notification.objects.get(pk=unread[0].pk).read_at is not None
    assert Notification.objects.get(pk=unread[1].pk).read_at is None


def test_mark_read_by_htmx_returns_the_item(client, inbox):
    user, unread, _read, _other = inbox
    client.force_login(user)
    target = unread[0]

    response = client.post(f"/org/notifications/{target.pk}/read/", headers={"HX-Request": "true"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<li")
    assert f'id="notification-{target.pk}"' in html
    assert "First unread" in html
    assert "<html" not in html
    assert 'data-testid="mark-read"' not in html, "a read item has no 'mark as read' button"
    assert "notification-unread" not in html
    assert Notification.objects.get(pk=target.pk).read_at is not None


def test_open_follows_the_link_of_the_notification(client, inbox):
    user, unread, _read, _other = inbox
    client.force_login(user)

    response = client.post(f"/org/notifications/{unread[1].pk}/read/", {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/org/departments/"


def test_open_does_not_follow_a_link_to_another_site(client, cast):
    user = cast["coo"]
    (n,) = notification_send(
        recipients=[user], title="Phish", url="https://evil.example/", email=False
    )
    client.force_login(user)

    response = client.post(f"/org/notifications/{n.pk}/read/", {"open": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/org/notifications/"


@pytest.mark.parametrize("htmx", [False, True])
def test_nobody_marks_someone_elses_notification(client, inbox, htmx):
    user, _unread, _read, other = inbox
    client.force_login(user)
    headers = {"HX-Request": "true"} if htmx else {}

    response = client.post(f"/org/notifications/{other.pk}/read/", headers=headers)

    assert response.status_code == 404
    assert translated(user, "Page not found") in response.content.decode()
    assert Notification.objects.get(pk=other.pk).read_at is None


def test_read_all_marks_only_the_users_own(client, inbox):
    user, unread, _read, other = inbox
    client.force_login(user)

    response = client.post("/org/notifications/read-all/", follow=True)

    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=other.pk).read_at is None
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and str(len(unread)) in messages[0]


def test_the_notification_list_makes_the_same_number_of_queries_with_more(
    client, inbox, django_assert_num_queries
):
    user, _unread, _read, _other = inbox
    client.force_login(user)
    client.get("/org/notifications/")
    baseline = count_queries(client, "/org/notifications/")

    for i in range(30):
        notification_send(recipients=[user], title=f"More {i}", url="/org/", email=False)

    with django_assert_num_queries(baseline):
        response = client.get("/org/notifications/")
    assert len(response.context["notifications"]) == 25


def test_mark_read_is_post_only(client, inbox):
    user, unread, _read, _other = inbox
    client.force_login(user)

    response = client.get(f"/org/notifications/{unread[0].pk}/read/")

    assert response.status_code == 405
    assert Notification.objects.get(pk=unread[0].pk).read_at is None
