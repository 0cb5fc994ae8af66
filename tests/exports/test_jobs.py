"""Exports over the threshold run as a background job with a page, a mail and an expiry."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from exports.models import ExportJob, Status
from exports.services import expired_exports_delete
from tests.factories import ActivityFactory, ExportJobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(world, settings):
    settings.EXPORT_BACKGROUND_ROWS = 3
    for n in range(5):
        ActivityFactory(group=world.group, title=f"=cmd {n}", led_by=world.member)
    return world


def _ask(client, world, fmt="csv", **params):
    url = reverse("exports:activities", args=[world.network.slug])
    return client.get(url, {"format": fmt, **params})


def test_a_large_export_becomes_a_job_and_its_page(
    big, as_user, django_capture_on_commit_callbacks
):
    client = as_user(big.member)
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, big)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert (job.owner, job.kind, job.rows_total) == (big.member, "activities", 5)
    job.refresh_from_db()
    assert job.status == Status.DONE and job.rows_done == 5
    page = client.get(job.get_absolute_url())
    assert reverse("exports:job_download", args=[big.network.slug, job.pk]).encode() in page.content


def test_the_finished_file_downloads_for_its_owner(
    big, as_user, django_capture_on_commit_callbacks
):
    client = as_user(big.member)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, big, kind="meeting_hosted")
    job = ExportJob.objects.get()
    response = client.get(reverse("exports:job_download", args=[big.network.slug, job.pk]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.count("\n") == 6
    assert "'=cmd 0" in body  # neutralised in the job's file too
    assert job.query == "kind=meeting_hosted"


def test_a_job_writes_xlsx(big, as_user, django_capture_on_commit_callbacks):
    client = as_user(big.member)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, big, fmt="xlsx")
    job = ExportJob.objects.get()
    response = client.get(reverse("exports:job_download", args=[big.network.slug, job.pk]))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 6


def test_the_owner_is_mailed_a_link(big, as_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(big.member), big)
    job = ExportJob.objects.get()
    assert [m.to for m in mail.outbox] == [[big.member.email]]
    assert job.get_absolute_url() in mail.outbox[0].body


def test_someone_elses_job_answers_404(big, as_user):
    job = ExportJobFactory(network=big.network, owner=big.member, status=Status.DONE)
    for name in ("exports:job", "exports:job_download"):
        url = reverse(name, args=[big.network.slug, job.pk])
        assert as_user(big.organiser).get(url).status_code == 404


def test_a_running_jobs_page_polls_and_htmx_gets_the_progress_only(big, as_user):
    job = ExportJobFactory(
        network=big.network, owner=big.member, status=Status.RUNNING, rows_total=10, rows_done=4
    )
    client = as_user(big.member)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and "4 of 10 rows" in page
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith('<section id="job-progress"')


def test_running_a_job_twice_writes_one_file(big, as_user, django_capture_on_commit_callbacks):
    from exports.services import export_job_run

    with django_capture_on_commit_callbacks(execute=True):
        _ask(as_user(big.member), big)
    job = ExportJob.objects.get()
    name = job.file.name
    assert export_job_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.file.name == name
    assert len(mail.outbox) == 1


def test_someone_who_left_the_network_gets_no_file(big, as_user):
    from exports.services import export_job_run

    job = ExportJobFactory(network=big.network, owner=big.outsider, rows_total=5)
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Status.FAILED and not job.file


def test_expired_files_are_deleted_and_the_page_says_so(
    big, as_user, django_capture_on_commit_callbacks
):
    client = as_user(big.member)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, big)
    job = ExportJob.objects.get()
    path = job.file.path
    assert expired_exports_delete(now=timezone.now() + dt.timedelta(hours=73)) == 1
    job.refresh_from_db()
    assert not job.file
    import os

    assert not os.path.exists(path)
    assert b"was deleted" in client.get(job.get_absolute_url()).content
    url = reverse("exports:job_download", args=[big.network.slug, job.pk])
    assert client.get(url).status_code == 404


def test_beat_deletes_expired_exports_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["delete-expired-exports"]
    assert entry["task"] == "exports.tasks.delete_expired_exports"


def test_a_pdf_of_many_reports_is_written_in_the_background(
    world, report, as_user, monkeypatch, django_capture_on_commit_callbacks
):
    from exports import views

    monkeypatch.setattr(views, "PDF_IN_REQUEST", 0)
    client = as_user(world.organiser)
    url = reverse("exports:reports", args=[world.network.slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(url, {"format": "pdf", "period": report.period_start.isoformat()})
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    download = client.get(reverse("exports:job_download", args=[world.network.slug, job.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_the_activity_logs_htmx_results_carry_the_export_menu_with_the_filters(world, as_user):
    url = reverse("groups:activities", args=[world.network.slug])
    partial = as_user(world.member).get(
        url, {"kind": "course_taught"}, headers={"HX-Request": "true"}
    )
    text = partial.content.decode()
    assert 'hx-swap-oob="true"' in text and "kind=course_taught&amp;format=csv" in text
