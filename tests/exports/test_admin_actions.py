import io

import openpyxl
import pytest
from django.urls import reverse

from groups.models import Activity
from tests.factories import ActivityFactory

pytestmark = pytest.mark.django_db


def _run(client, model: str, action: str, ids: list[int]):
    url = reverse(f"admin:{model}_changelist")
    return client.post(url, {"action": action, "_selected_action": [str(i) for i in ids]})


def test_the_admin_exports_selected_activities_as_csv(world, as_user):
    kept = ActivityFactory(group=world.group, title="=Chosen", led_by=world.member)
    ActivityFactory(group=world.group, title="Left out", led_by=world.member)
    response = _run(as_user(world.admin), "groups_activity", "export_activities_csv", [kept.pk])
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=Chosen" in body and "Left out" not in body


def test_the_admin_exports_reports_as_xlsx(world, report, as_user):
    response = _run(
        as_user(world.admin), "objectives_progressreport", "export_reports_xlsx", [report.pk]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4  # the header and three measures


def test_every_model_with_an_export_kind_has_the_actions(world, as_user):
    from django.contrib import admin

    from exports.kinds import KINDS

    for kind in KINDS.values():
        if kind.model is None:
            continue
        names = {getattr(a, "__name__", "") for a in admin.site.get_model_admin(kind.model).actions}
        assert {f"export_{kind.slug}_csv", f"export_{kind.slug}_xlsx"} <= names
    assert Activity in {k.model for k in KINDS.values()}
