"""Progress reports as PDF: the report page's own HTML and SVG, laid out by WeasyPrint."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from networks.models import Network
from objectives.models import ProgressReport
from objectives.snapshot import display

STYLESHEETS = ("grove.css", "exports/report-pdf.css")


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The document carries everything it shows; a URL in someone's text fetches nothing."""
    raise ValueError(f"PDF exports fetch no resources ({url[:40]}).")


def reports_pdf(network: Network, reports: Iterable[ProgressReport], title: str) -> bytes:
    """One document for the reports, a report to a page or more: the network's name and
    mission, then for each the group's purpose and the report as its page shows it."""
    import weasyprint  # loads Pango: only when a PDF is asked for

    sections = [
        {
            "report": report,
            "group": report.group,
            "data": display(report.data, currency=network.currency),
        }
        for report in reports
    ]
    html = render_to_string(
        "exports/reports_pdf.html",
        {"network": network, "sections": sections, "title": title},
    )
    stylesheets = [weasyprint.CSS(filename=finders.find(name)) for name in STYLESHEETS]
    document = weasyprint.HTML(string=html, url_fetcher=_no_fetching)
    return bytes(document.write_pdf(stylesheets=stylesheets))
