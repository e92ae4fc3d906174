"""PDF documents from templates (certificates, generated reports), by WeasyPrint.

The HTML is rendered with Django's templates in the current language, then laid out by
WeasyPrint. Stylesheets and images may only come from the portal's own static files: the
fetcher refuses every other address, so a document never reaches the network (the portal runs
on a closed intranet) and a user-supplied link cannot make the server fetch anything.
WeasyPrint needs Pango from the system (Debian: libpango-1.0-0 libpangoft2-1.0-0
libharfbuzz-subset0 fonts-dejavu-core; ``.ci/run`` installs them).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

#: Relative addresses in a document resolve against this base, which names no real host.
BASE_URL = "http://portal-static.invalid/"


class ForbiddenResource(ValueError):
    pass


def static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of the static file ``url`` names (``css/pdf.css`` under the base, or
    a ``{% static %}`` path); anything else is refused."""
    if not url.startswith(BASE_URL):
        raise ForbiddenResource(f"A PDF may only use the portal's static files, not {url!r}.")
    path = url[len(BASE_URL) :].split("?")[0].split("#")[0]
    prefix = settings.STATIC_URL.strip("/") + "/"
    if path.startswith(prefix):
        path = path[len(prefix) :]
    found = finders.find(path) if path and ".." not in path.split("/") else None
    if not found:
        raise ForbiddenResource(f"No static file {path!r}.")
    with open(found, "rb") as handle:
        return handle.read(), mimetypes.guess_type(found)[0] or "application/octet-stream"


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` as a PDF; relative addresses resolve against the static files."""
    from weasyprint import HTML  # imported late: it takes a moment and needs Pango
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            body, mime_type = static_file(url)
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mime_type})

    return HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnly()).write_pdf()


def render_pdf(template_name: str, context: dict[str, Any] | None = None) -> bytes:
    """Render ``template_name`` with ``context`` and return the PDF's bytes."""
    return html_to_pdf(render_to_string(template_name, context or {}))
