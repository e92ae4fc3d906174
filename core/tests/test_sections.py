"""Sections other apps add to a detail page (core.sections)."""

import pytest
from django.template import engines

from core import sections


@pytest.fixture
def slot():
    saved = dict(sections.SECTIONS)
    yield "tests.thing"
    sections.SECTIONS.clear()
    sections.SECTIONS.update(saved)


def test_registered_sections_render_in_order_and_may_decline(slot, rf):
    seen = []
    sections.register(
        sections.Section(slot, "b", "includes/pagination.html", lambda r, o: None, order=2)
    )
    sections.register(
        sections.Section(
            slot, "a", "includes/messages.html", lambda r, o: seen.append(o) or {}, order=1
        )
    )
    # Registering the same key twice keeps one.
    sections.register(
        sections.Section(slot, "a", "includes/messages.html", lambda r, o: {}, order=1)
    )
    request = rf.get("/")
    html = (
        engines["django"]
        .from_string('{% load portal %}{% page_sections "tests.thing" obj %}')
        .render({"obj": "the object"}, request)
    )
    assert html.count('data-section="a"') == 1
    assert 'data-section="b"' not in html
    assert seen == ["the object"]
