"""In chromium: an organiser imports members from a file (preview, then confirm) and takes
a progress report away as a PDF."""

import datetime as dt
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from networks.models import User
from objectives import services
from tests.browser.conftest import SCREENSHOTS, screenshot, sign_in
from tests.factories import ActivityFactory, MeasureFactory, ObjectiveFactory, PeerGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILE = (
    "name,email,organisation,sector,expertise,groups,role\n"
    "Nia New,nia@example.org,Acme,Health,Grant writing,Founders Circle,member\n"
    "Ned Next,ned@example.org,Beta,Arts,Printing,founders (gardener),\n"
    "Mia Member,mia@example.org,,,,Founders Circle,\n"
)


def test_organiser_imports_members_then_downloads_a_report_pdf(
    new_page, people, tmp_path, csp_violations
):
    network, organiser, _gardener, _member = people
    group = PeerGroupFactory(network=network, name="Founders Circle", slug="founders")
    objective = ObjectiveFactory(
        network=network,
        title="Grow the network",
        starts_on=dt.date(2026, 1, 1),
        due_on=dt.date(2026, 12, 31),
    )
    MeasureFactory(objective=objective, name="Courses", source="activity_count", target=40)
    ActivityFactory(group=group, kind="course_taught", occurred_on=dt.date(2026, 3, 5))
    report, _ = services.report_create(
        group=group,
        period_start=dt.date(2026, 3, 1),
        period_end=dt.date(2026, 4, 1),
        deliver=False,
    )
    upload = tmp_path / "riverside-members.csv"
    upload.write_text(FILE)

    page = new_page()
    sign_in(page, organiser.email)
    page.goto("/n/riverside/members/")
    page.get_by_role("link", name="Import members").click()
    page.get_by_label("Member file (CSV)").set_input_files(str(upload))
    page.get_by_role("button", name="Preview the import").click()

    preview = page.locator(".import-preview")
    expect(page.get_by_role("heading", name="Preview: 3 rows")).to_be_visible()
    expect(preview).to_contain_text("New people")
    assert preview.locator("dd").all_inner_texts() == ["2", "0", "1", "3", "2"]
    screenshot(page, "import-preview")
    assert not User.objects.filter(email="nia@example.org").exists()

    page.get_by_role("button", name="Import 3 rows and send 2 invitations").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    screenshot(page, "import-done")
    assert User.objects.get(email="ned@example.org").group_memberships.get().role == "gardener"

    page.goto(f"/n/riverside/objectives/reports/{report.pk}/")
    page.locator(".export-menu > summary").click()
    screenshot(page, "report-export-menu")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF document").click()
    download = download_info.value
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.name == f"riverside-founders-{report.period_start.isoformat()}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftoppm"):
        # The first page as an image beside the screenshots, to look at.
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
             str(SCREENSHOTS / "report-pdf-page-1")],
            check=True,
        )  # fmt: skip
    assert csp_violations == []
