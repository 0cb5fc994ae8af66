"""Each export for each persona: the page's own rule; another network answers 404."""

import pytest
from django.urls import reverse

from tests.factories import ActivityFactory, MeasureFactory, ObjectiveFactory

pytestmark = pytest.mark.django_db


def _urls(world, report):
    slug = world.network.slug
    measure = report.measures["hours"]
    return {
        "activities": reverse("exports:activities", args=[slug]),
        "checkins": reverse("exports:checkins", args=[slug, measure.pk]),
        "members": reverse("exports:members", args=[slug]),
        "report": reverse("exports:report", args=[slug, report.pk]),
        "reports": reverse("exports:reports", args=[slug]),
    }


ALLOWED = {
    # persona: the exports they may take
    "admin": {"activities", "checkins", "members", "report", "reports"},
    "organiser": {"activities", "checkins", "members", "report", "reports"},
    "gardener": {"activities", "checkins", "report", "reports"},
    "member": {"activities", "checkins", "report", "reports"},
}


@pytest.mark.parametrize("persona", sorted(ALLOWED))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_export_answers_by_role(world, report, as_user, persona, fmt):
    client = as_user(getattr(world, persona))
    for kind, url in _urls(world, report).items():
        response = client.get(url, {"format": fmt})
        expected = 200 if kind in ALLOWED[persona] else 403
        assert response.status_code == expected, (kind, fmt)


def test_the_outsider_gets_404_for_every_export(world, report, as_user):
    client = as_user(world.outsider)
    for kind, url in _urls(world, report).items():
        for fmt in ("csv", "xlsx", "pdf"):
            assert client.get(url, {"format": fmt}).status_code == 404, (kind, fmt)


def test_anonymous_is_sent_to_sign_in(world, report, as_user):
    response = as_user(None).get(_urls(world, report)["report"], {"format": "pdf"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_member_of_another_group_may_not_export_its_report(world, report, as_user):
    from tests.factories import (
        GroupMembershipFactory,
        MembershipFactory,
        PeerGroupFactory,
        UserFactory,
    )

    stranger = UserFactory()
    MembershipFactory(user=stranger, network=world.network)
    GroupMembershipFactory(user=stranger, group=PeerGroupFactory(network=world.network))
    response = as_user(stranger).get(_urls(world, report)["report"], {"format": "csv"})
    assert response.status_code == 403


def test_reports_export_holds_only_the_reports_one_may_read(world, report, as_user):
    from objectives import services
    from tests.factories import PeerGroupFactory

    other = PeerGroupFactory(network=world.network, name="Elsewhere")
    services.report_create(
        group=other, period_start=report.period_start, period_end=report.period_end, deliver=False
    )
    url = _urls(world, report)["reports"]
    mine = b"".join(as_user(world.member).get(url, {"format": "csv"}).streaming_content)
    everyone = b"".join(as_user(world.organiser).get(url, {"format": "csv"}).streaming_content)
    assert b"Elsewhere" not in mine and b"Founders Circle" in mine
    assert b"Elsewhere" in everyone


def test_a_measure_of_another_network_answers_404(world, as_user):
    theirs = MeasureFactory(objective=ObjectiveFactory(network=world.other_network))
    url = reverse("exports:checkins", args=[world.network.slug, theirs.pk])
    assert as_user(world.organiser).get(url).status_code == 404


def test_an_unknown_format_answers_404(world, as_user):
    url = reverse("exports:activities", args=[world.network.slug])
    assert as_user(world.organiser).get(url, {"format": "pdf"}).status_code == 404
    assert as_user(world.organiser).get(url, {"format": "exe"}).status_code == 404


def test_the_activity_export_follows_the_logs_filters(world, as_user):
    ActivityFactory(group=world.group, kind="course_taught", title="Kept", led_by=world.member)
    ActivityFactory(group=world.group, kind="meeting_hosted", title="Dropped", led_by=world.member)
    url = reverse("exports:activities", args=[world.network.slug])
    response = as_user(world.member).get(url, {"kind": "course_taught", "format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "Kept" in body and "Dropped" not in body


def test_the_columns_page_documents_every_kind(world, as_user):
    from exports.kinds import KINDS

    page = as_user(world.member).get(reverse("exports:columns", args=[world.network.slug]))
    text = page.content.decode()
    for kind in KINDS.values():
        assert kind.title in text
        for column in kind.columns:
            assert f"<code>{column.name}</code>" in text
