"""A report's exports carry the report page's own numbers."""

import io

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

from networks.formatting import quantity
from objectives.models import ProgressReport

pytestmark = pytest.mark.django_db


def _page(client, report) -> str:
    return client.get(report.get_absolute_url()).content.decode()


def _export(client, report, fmt, name="exports:report", **params):
    args = [report.network.slug] + ([report.pk] if name == "exports:report" else [])
    response = client.get(reverse(name, args=args), {"format": fmt, **params})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sheet_rows(content: bytes) -> list[dict]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_the_xlsx_numbers_are_the_report_pages(world, report, as_user):
    client = as_user(world.member)
    page = _page(client, report)
    rows = _sheet_rows(_export(client, report, "xlsx"))
    assert {r["measure"] for r in rows} == {"Courses", "Reach", "Mentoring hours"}
    for row in rows:
        assert isinstance(row["value"], int | float)
        assert f'<th scope="row">{row["measure"]}</th>' in page
        assert quantity(row["value"], row["unit"] or "") in page
        assert quantity(row["target"], row["unit"] or "") in page
        assert f"{row['progress_percent']}%" in page
        assert row["status"] in page
    hours = next(r for r in rows if r["measure"] == "Mentoring hours")
    assert hours["value"] == 310.25 and hours["target"] == 1200.5
    assert hours["group_contribution"] == 120
    assert hours["progress_percent"] == round(310.25 / 1200.5 * 100)
    assert rows[0]["activities"] == 1 and rows[0]["people_reached"] == 12


def test_the_csv_holds_the_same_rows_as_the_xlsx(world, report, as_user):
    import csv

    client = as_user(world.member)
    text = _export(client, report, "csv").decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    xlsx_rows = _sheet_rows(_export(client, report, "xlsx"))
    assert [r["measure"] for r in csv_rows] == [r["measure"] for r in xlsx_rows]
    assert [r["value"] for r in csv_rows] == ["1", "12.5", "310.25"]


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(page.extract_text() for page in reader.pages)


def test_the_pdf_holds_the_network_the_purpose_and_the_pages_figures(world, report, as_user):
    world.group.purpose = "Founders helping founders past year five."
    world.group.save()
    client = as_user(world.member)
    content = _export(client, report, "pdf")
    assert content.startswith(b"%PDF")
    text = " ".join(_pdf_text(content).split())
    assert world.network.name in text
    assert " ".join(world.network.mission.split()) in text
    assert "Founders helping founders" in text
    for row in _sheet_rows(_export(client, report, "xlsx")):
        assert row["measure"] in text
        assert quantity(row["value"], row["unit"] or "") in text
        assert f"{row['progress_percent']}%" in text
        assert row["status"] in text


def test_the_period_pdf_holds_every_groups_report_of_the_period(world, report, as_user):
    from objectives import services
    from tests.factories import PeerGroupFactory

    other = PeerGroupFactory(network=world.network, name="Second Circle")
    services.report_create(
        group=other, period_start=report.period_start, period_end=report.period_end, deliver=False
    )
    content = _export(
        as_user(world.organiser),
        report,
        "pdf",
        name="exports:reports",
        period=report.period_start.isoformat(),
    )
    text = _pdf_text(content)
    assert "Founders Circle" in text and "Second Circle" in text
    assert len(PdfReader(io.BytesIO(content)).pages) >= 2  # a report to a page


def test_a_report_written_in_an_older_snapshot_version_still_exports(world, report, as_user):
    data = dict(report.data)
    data.pop("version")
    data["network"] = {k: v for k, v in data["network"].items() if k != "currency"}
    ProgressReport.objects.filter(pk=report.pk).update(data=data)
    rows = _sheet_rows(_export(as_user(world.member), report, "xlsx"))
    assert len(rows) == 3
