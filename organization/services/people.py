"""People and their logins: one transaction creates both, roles included."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.exceptions import ApplicationError
from organization.models import Department, Person, User
from organization.roles import Role

USER_FIELDS = ("first_name", "last_name", "email", "language", "time_zone")
PERSON_FIELDS = ("department", "position", "manager", "hire_date", "phone", "active")


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ApplicationError(
            ngettext("Unknown role: %(roles)s.", "Unknown roles: %(roles)s.", len(unknown))
            % {"roles": ", ".join(unknown)},
            field="roles",
        )
    return roles


def _check_manager(person: Person | None, manager: Person | None) -> None:
    if manager is None:
        return
    if not manager.active:
        raise ApplicationError(_("The manager must be an active person."), field="manager")
    if person is None or person.pk is None:
        return
    # Walk up from the new manager: meeting the person again would make a loop.
    seen: set[int] = set()
    current: Person | None = manager
    while current is not None and current.pk not in seen:
        if current.pk == person.pk:
            raise ApplicationError(
                _("A person cannot report to themselves or to someone who reports to them."),
                field="manager",
            )
        seen.add(current.pk)
        current = current.manager


def _set_roles(user: User, roles: list[str]) -> None:
    groups = list(Group.objects.filter(name__in=roles))
    missing = set(roles) - {g.name for g in groups}
    if missing:
        raise ApplicationError(
            _("The role groups are missing (%(roles)s); run the migrations.")
            % {"roles": ", ".join(sorted(missing))},
            field="roles",
        )
    other = user.groups.exclude(name__in=roles).filter(name__in=Role.values)
    user.groups.remove(*other)
    user.groups.add(*groups)


@transaction.atomic
def person_create(
    *,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    department: Department | None = None,
    position: str = "",
    manager: Person | None = None,
    hire_date: date | None = None,
    phone: str = "",
    roles: Iterable[str] = (),
    password: str | None = None,
    password_hash: str | None = None,
    language: str = "",
    time_zone: str = "",
    is_staff: bool = False,
) -> Person:
    """Create a login and the person behind it, with their roles, in one transaction.

    ``password_hash`` (an already hashed password) lets bulk loaders hash once; with neither
    it nor ``password`` the login cannot be used until a password is set or reset.
    ``is_staff`` opens the admin site (for what the person's roles permit there).
    """
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            _("The username %(username)s is already taken.") % {"username": username},
            field="username",
        )
    roles = _check_roles(roles)
    _check_manager(None, manager)
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        language=language,
        time_zone=time_zone,
        is_staff=is_staff,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    person = Person(
        user=user,
        department=department,
        position=position.strip(),
        manager=manager,
        hire_date=hire_date,
        phone=phone.strip(),
    )
    person.full_clean()
    person.save()
    if roles:
        _set_roles(user, roles)
    return person


@transaction.atomic
def person_update(*, person: Person, roles: Iterable[str] | None = None, **changes) -> Person:
    """Change a person's record (and their login's name, e-mail and preferences)."""
    unknown = set(changes) - set(USER_FIELDS) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"person_update() got unknown fields: {', '.join(sorted(unknown))}")
    person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
    if "manager" in changes:
        _check_manager(person, changes["manager"])
    checked_roles = _check_roles(roles) if roles is not None else None
    user = person.user
    user_changed = False
    for field in USER_FIELDS:
        if field in changes:
            setattr(user, field, changes[field])
            user_changed = True
    for field in PERSON_FIELDS:
        if field in changes:
            setattr(person, field, changes[field])
    if "active" in changes and user.is_active != changes["active"]:
        user.is_active = changes["active"]
        user_changed = True
    if user_changed:
        user.full_clean(exclude=["password"])
        user.save()
    person.full_clean()
    person.save()
    if checked_roles is not None:
        _set_roles(user, checked_roles)
    return person


def user_preferences_update(*, user: User, language: str, time_zone: str) -> User:
    """Store a user's language and time zone (empty: browser language, company time zone)."""
    user.language = language
    user.time_zone = time_zone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["language", "time_zone"])
    return user
