"""The shared chart include, the progress bar include and the PDF helper."""

from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from core.charts import Chart, Dataset
from core.pdf import ForbiddenResource, html_to_pdf, static_file


def test_chart_refuses_mismatched_data():
    with pytest.raises(ValueError, match="2 values for 3 labels"):
        Chart(
            id="c", type="bar", title="t", labels=["a", "b", "c"], datasets=[Dataset("x", [1, 2])]
        )
    with pytest.raises(ValueError, match="Unknown chart type"):
        Chart(id="c", type="pies", title="t", labels=[], datasets=[])


def test_chart_include_writes_json_canvas_and_table():
    chart = Chart(
        id="spend",
        type="bar",
        title="Spend <by month>",
        labels=["Jan", "Feb"],
        datasets=[
            Dataset("Plan", [Decimal("10.50"), None]),
            Dataset("Actual", [3, 4], type="line"),
        ],
        unit="EUR",
    )
    html = render_to_string("includes/chart.html", {"chart": chart})
    assert '<canvas id="spend" data-chart="spend-data"' in html
    assert '<script id="spend-data" type="application/json">' in html
    assert '"data": [10.5, null]' in html
    # The title is escaped everywhere it appears, in the JSON too.
    assert "<by month>" not in html
    assert "10.50 EUR" in html and "—" in html
    assert chart.spec()["datasets"][1]["type"] == "line"


@pytest.mark.parametrize(
    ("percent", "css", "shown"),
    [(None, "pct-0", "0%"), (42.4, "pct-42", "42%"), (130, "pct-100", "130%")],
)
def test_progress_include_uses_width_classes(percent, css, shown):
    html = render_to_string("includes/progress.html", {"percent": percent, "label": "Spent"})
    assert css in html
    assert shown in html
    assert "style=" not in html


def test_pdf_uses_only_static_files():
    assert static_file("http://portal-static.invalid/css/pdf.css")[1] == "text/css"
    assert static_file("http://portal-static.invalid/static/css/pdf.css")[0].startswith(b"/*")
    for url in (
        "http://example.com/x.css",
        "file:///etc/passwd",
        "http://portal-static.invalid/../x",
    ):
        with pytest.raises(ForbiddenResource):
            static_file(url)


def test_pdf_renders_a_document():
    pdf = html_to_pdf(
        '<html><head><link rel="stylesheet" href="css/pdf.css">'
        '<link rel="stylesheet" href="http://example.com/evil.css"></head>'
        "<body><h1>Certificate</h1><p>Ana García</p></body></html>"
    )
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1000
