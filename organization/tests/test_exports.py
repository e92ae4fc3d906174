"""CSV and XLSX exports of the people directory and the department list."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from organization.models import Person
from organization.services.people import person_update
from organization.tests.helpers import (
    add_people,
    content_of,
    count_queries,
    gettext_for,
    usernames_in,
)
from organization.views import DEPARTMENT_COLUMNS, PERSON_COLUMNS

#: The columns each list declares (once, for both formats), by their English headers.
with translation.override("en"):
    PERSON_HEADER = [str(c.header) for c in PERSON_COLUMNS]
    DEPARTMENT_HEADER = [str(c.header) for c in DEPARTMENT_COLUMNS]
assert PERSON_HEADER[0] == "Username"
assert {"Department", "Position", "E-mail", "Hire date", "Roles", "Active"} <= set(PERSON_HEADER)
assert DEPARTMENT_HEADER[0] == "Code"
assert {"Name", "Parent department", "Head", "Headcount", "Active"} <= set(DEPARTMENT_HEADER)


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    body = content_of(response)
    assert body.startswith("\ufeff".encode()), "a byte-order mark, for spreadsheet programs"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(content_of(response)), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def export(client, user, path, fmt, **params):
    client.force_login(user)
    return client.get(path, {**params, "export": fmt})


def header_for(user, header: list[str]) -> list[str]:
    """Column headers are translated: the export speaks the language of who asked for it."""
    return [gettext_for(user, text) for text in header]


def usernames(rows) -> set[str]:
    return {row[0] for row in rows[1:]}


# --------------------------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------------------------


def test_people_csv_has_a_header_and_one_row_per_person_in_scope(client, cast):
    rows = csv_rows(export(client, cast["coo"], "/org/people/", "csv"))

    assert rows[0] == PERSON_HEADER
    assert usernames(rows) == set(Person.objects.values_list("user__username", flat=True))
    by_username = {row[0]: dict(zip(PERSON_HEADER, row, strict=True)) for row in rows[1:]}
    log_staff = cast.staff("LOG")
    row = by_username[log_staff.username]
    assert row["Department"] == "LOG"
    assert log_staff.person.manager.user.username in row.values()
    assert row["Roles"] == "staff"
    assert row["E-mail"] == log_staff.email
    assert row["Hire date"] == log_staff.person.hire_date.isoformat()
    assert row["Active"] == "True"


def test_people_xlsx_has_the_same_header_and_rows(client, cast):
    rows = xlsx_rows(export(client, cast["coo"], "/org/people/", "xlsx"))

    assert rows[0] == PERSON_HEADER
    assert usernames(rows) == set(Person.objects.values_list("user__username", flat=True))
    head_ops = next(row for row in rows if row[0] == "head.ops")
    row = dict(zip(PERSON_HEADER, head_ops, strict=True))
    assert row["Department"] == "OPS"
    assert row["Roles"] == "department_head"
    assert row["Hire date"].date() == cast["head.ops"].person.hire_date


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_people_export_is_filtered_like_the_page(client, cast, fmt):
    parse = csv_rows if fmt == "csv" else xlsx_rows

    by_department = parse(export(client, cast["coo"], "/org/people/", fmt, department="LOG"))
    by_role = parse(export(client, cast["coo"], "/org/people/", fmt, role="manager"))
    by_search = parse(export(client, cast["coo"], "/org/people/", fmt, search="head."))

    assert usernames(by_department) == usernames_in(cast, "LOG")
    assert usernames(by_role) == {cast.manager(c).username for c in ("OPS", "LOG", "FIN")}
    assert usernames(by_search) == {"head.ops", "head.log", "head.fin"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_people_export_holds_only_the_records_in_scope(client, cast, fmt):
    parse = csv_rows if fmt == "csv" else xlsx_rows

    head_fin = cast["head.fin"]
    everything = parse(export(client, head_fin, "/org/people/", fmt))
    only_ops = parse(export(client, head_fin, "/org/people/", fmt, department="OPS"))
    staff = parse(export(client, cast.staff("OPS"), "/org/people/", fmt))

    assert usernames(everything) == usernames_in(cast, "FIN")
    assert not usernames(everything) & usernames_in(cast, "OPS", "LOG")
    assert only_ops[0] == header_for(head_fin, PERSON_HEADER)
    assert len(only_ops) == 1, "no OPS rows at all, only the header"
    assert usernames(staff) == {cast.staff("OPS").username}


def test_people_export_includes_inactive_people_and_every_page(client, cast):
    add_people(30, "FIN")
    gone = cast.staff("FIN")
    person_update(person=gone.person, active=False)

    rows = csv_rows(export(client, cast["head.fin"], "/org/people/", "csv"))

    assert len(rows) - 1 == Person.objects.filter(department__code="FIN").count() > 25
    assert (
        dict(zip(PERSON_HEADER, next(r for r in rows if r[0] == gone.username), strict=True))[
            "Active"
        ]
        == "False"
    )


FORMULA = '=HYPERLINK("http://evil.example","Open")'


def test_text_that_looks_like_a_formula_is_exported_as_inert_text(client, cast):
    """A position typed as text must not become a formula a spreadsheet program runs."""
    target = cast.staff("FIN")
    person_update(person=target.person, position=FORMULA)
    column = PERSON_HEADER.index("Position")

    xlsx = export(client, cast["coo"], "/org/people/", "xlsx")
    sheet = load_workbook(io.BytesIO(content_of(xlsx))).worksheets[0]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == target.username]
    rows = csv_rows(export(client, cast["coo"], "/org/people/", "csv"))
    (line,) = [r for r in rows if r[0] == target.username]

    assert row[column].data_type == "s", "written as a formula"
    assert FORMULA in row[column].value
    assert not line[column].startswith("="), "a CSV cell starting with '=' is run as a formula"
    assert FORMULA in line[column]


def test_unknown_export_format_is_a_404(client, cast):
    response = export(client, cast["coo"], "/org/people/", "pdf")

    assert response.status_code == 404


def test_people_export_makes_the_same_number_of_queries_with_more_data(
    client, cast, django_assert_num_queries
):
    client.force_login(cast["coo"])
    url = "/org/people/?export=csv"
    client.get(url)
    baseline = count_queries(client, url)

    add_people(30, "OPS", manager=cast.manager("OPS").person)

    with django_assert_num_queries(baseline):
        rows = csv_rows(client.get(url))
    assert len(rows) - 1 == Person.objects.count()


# --------------------------------------------------------------------------------------------
# Departments
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_departments_export(client, cast, fmt):
    parse = csv_rows if fmt == "csv" else xlsx_rows

    user = cast.staff("FIN")
    rows = parse(export(client, user, "/org/departments/", fmt))

    assert rows[0] == header_for(user, DEPARTMENT_HEADER)
    assert [row[0] for row in rows[1:]] == ["FIN", "LOG", "OPS"]
    log = dict(zip(DEPARTMENT_HEADER, rows[2], strict=True))
    assert log["Name"] == "Logistics"
    assert log["Parent department"] == "OPS"
    assert log["Head"] == cast["head.log"].person.full_name
    assert str(log["Headcount"]) == str(len(usernames_in(cast, "LOG")))
    assert str(log["Active"]) == "True"


def test_departments_export_is_filtered_like_the_page(client, cast):
    rows = csv_rows(export(client, cast["coo"], "/org/departments/", "csv", parent="OPS"))

    assert [row[0] for row in rows[1:]] == ["LOG"]
