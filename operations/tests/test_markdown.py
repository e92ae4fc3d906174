"""The Markdown sanitiser: an unsafe body is kept as written and never rendered unsafe."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.markdown import render_markdown
from operations.models import RegulationVersion
from operations.tests.helpers import make, publish

UNSAFE = {
    "script": ("<script>alert('x')</script>", ["<script"]),
    "script-upper": (
        "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
        ["<script", "evil.example"],
    ),
    "onerror": ('<img src="x.png" onerror="alert(1)">', ["onerror"]),
    "onclick": ('<a href="https://example.com" onclick="steal()">link</a>', ["onclick", "steal"]),
    "onmouseover": ('<p onmouseover="alert(2)">hover</p>', ["onmouseover"]),
    "markdown-js-link": ("[click me](javascript:alert(3))", ["javascript:"]),
    "html-js-link": ('<a href="JaVaScRiPt:alert(4)">x</a>', ["javascript:"]),
    "entity-js-link": ('<a href="&#106;avascript:alert(5)">x</a>', ["javascript:", "avascript"]),
    "iframe": ('<iframe src="https://evil.example/"></iframe>', ["<iframe", "evil.example"]),
    "style": ("<style>body { display: none }</style>", ["<style", "display: none"]),
    "style-attribute": ('<p style="position:fixed">overlay</p>', ["style=", "position:fixed"]),
    "object": ('<object data="x.swf"></object><embed src="y.swf">', ["<object", "<embed"]),
    "form": ('<form action="https://evil.example"><input name="pw"></form>', ["<form", "<input"]),
    "svg": ("<svg><script>alert(6)</script></svg>", ["<svg", "<script"]),
}


@pytest.mark.parametrize("text,forbidden", UNSAFE.values(), ids=UNSAFE.keys())
def test_nothing_unsafe_survives_rendering(text, forbidden):
    html = render_markdown(f"Before.\n\n{text}\n\nAfter.").lower()
    for fragment in forbidden:
        assert fragment.lower() not in html
    # The safe text around it is still there.
    assert "before." in html and "after." in html


def test_tables_links_and_emphasis_render():
    html = render_markdown(
        "# Travel\n\n"
        "See [the portal](https://intranet.example.com/travel) and **always** keep receipts.\n\n"
        "| Item | Limit |\n"
        "| --- | ---: |\n"
        "| Meals | 45 |\n"
        "\n- one\n- two\n"
    )
    assert "<h1>Travel</h1>" in html
    assert (
        '<a href="https://intranet.example.com/travel" rel="noopener noreferrer nofollow">' in html
    )
    assert "<strong>always</strong>" in html
    assert "<table>" in html and "<th>Item</th>" in html
    assert "<td>Meals</td>" in html
    assert "<li>one</li>" in html
    assert "mailto:" in render_markdown("[write](mailto:coo@example.com)")


def test_table_column_alignment_survives():
    # ``| ---: |`` right-aligns a column; the sanitiser allows ``align`` on cells for it.
    html = render_markdown("| Item | Limit |\n| :--- | ---: |\n| Meals | 45 |\n")
    assert '<th align="right">Limit</th>' in html
    assert '<td align="right">45</td>' in html


def test_the_body_is_kept_as_written_and_the_page_shows_it_safely(cast, client):
    body = (
        "# Safety\n\n"
        "<script>alert('stored')</script>\n\n"
        '<img src="x.png" onerror="alert(1)">\n\n'
        "[Open](javascript:alert(2)) and [the manual](https://example.com/manual).\n\n"
        '<iframe src="https://evil.example/"></iframe>\n\n'
        "| Zone | Rule |\n| --- | --- |\n| Dock | Vests on |\n"
    )
    regulation = make(cast["coo"], "Unsafe input", body=body)
    publish(cast, regulation)
    # Stored exactly as written, unsafe parts included.
    assert RegulationVersion.objects.get(regulation=regulation).body == body

    for user in (cast["coo"], cast.staff("LOG")):
        client.force_login(user)
        response = client.get(reverse("operations:regulation_detail", args=[regulation.pk]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "<script>alert" not in page
        assert "javascript:" not in page.lower()
        assert "onerror" not in page
        assert "<iframe" not in page
        assert '<a href="https://example.com/manual" rel="noopener noreferrer nofollow">' in page
        assert "<td>Dock</td>" in page


def test_the_api_returns_the_text_as_written(cast, api_as):
    body = "<script>alert('api')</script>\n\n[x](javascript:alert(1))"
    regulation = make(cast["coo"], "Raw text", body=body)
    response = api_as(cast["coo"]).get(f"/api/v1/regulations/{regulation.pk}/")
    assert response.status_code == 200
    assert response.json()["body"] == body
