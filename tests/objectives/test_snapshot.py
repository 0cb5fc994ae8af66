"""Report snapshots have a versioned schema; reports stored under an older version render."""

from objectives.snapshot import SNAPSHOT_VERSION, display, upgrade
from tests.factories import ProgressReportFactory

VERSION_1 = {
    "version": 1,
    "network": {"name": "Riverside Makers", "cadence": "monthly"},
    "group": {"id": 1, "name": "Founders Circle", "is_cng": True},
    "period": {"start": "2026-09-01", "end": "2026-10-01", "label": "1 Sep 2026 – 1 Oct 2026"},
    "objectives": [
        {
            "id": 1, "title": "Grow", "term": "Short term", "due_on": "2026-12-31",
            "progress": 0.5, "expected": 0.6, "status": "at_risk",
            "measures": [
                {"id": 2, "name": "Courses", "unit": "", "source": "activity_count",
                 "direction": "increase", "baseline": "0", "target": "10", "value": "5",
                 "progress": 0.5, "expected": 0.6, "status": "on_track",
                 "previous_value": "3", "change": "2", "group_contribution": "1"},
            ],
        }
    ],
    "activities": {"total": 2, "people_reached": 9,
                   "by_kind": [{"kind": "course_taught", "label": "Course taught", "count": 2}]},
    "referrals": {"made": 1, "served": 0, "closed_value": "0", "followed": 1,
                  "follow_through": 1.0},
    "highlights": {"most_active": [], "newest_activities": []},
}  # fmt: skip


def test_a_version_1_snapshot_is_read_into_the_current_shape():
    snapshot = upgrade(VERSION_1)
    assert snapshot["version"] == SNAPSHOT_VERSION
    assert snapshot["objectives"][0]["on_track"] == 1
    assert snapshot["activities"]["by_kind"][0]["people_reached"] == 0
    assert snapshot["network"]["currency"] == ""


def test_display_adds_what_pages_show():
    shown = display(VERSION_1)
    objective = shown["objectives"][0]
    assert objective["summary"] == "1 of 1 measure on track"
    assert objective["measures"][0]["arrow"] == "▲"
    assert objective["measures"][0]["trend"] == "better"


def test_a_stored_version_1_report_renders(world, as_user):
    report = ProgressReportFactory(
        group=world.group, period_start="2026-09-01", period_end="2026-10-01", data=VERSION_1
    )
    response = as_user(world.member).get(report.get_absolute_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "1 Sep 2026 – 30 Sep 2026" in body  # the period by its first and last day
    assert "1 of 1 measure on track" in body


def test_a_version_1_report_says_it_was_written_under_the_earlier_rule():
    assert "earlier rule" in display(VERSION_1)["rule_note"]


def test_a_version_1_report_takes_the_networks_currency():
    assert display(VERSION_1, currency="€")["network"]["currency"] == "€"


VERSION_2 = VERSION_1 | {
    "version": 2,
    "network": VERSION_1["network"] | {"currency": "£"},
}


def test_a_version_2_snapshot_gains_the_referral_figures_as_unknown():
    referrals = upgrade(VERSION_2)["referrals"]
    assert referrals["made"] == 1  # kept as stored
    assert (referrals["acceptance_rate"], referrals["median_days_to_served"]) == (None, None)
    assert referrals["accepted"] == 0


def test_a_stored_version_2_report_renders_its_referral_section(world, as_user):
    report = ProgressReportFactory(
        group=world.group, period_start="2026-09-01", period_end="2026-10-01", data=VERSION_2
    )
    body = as_user(world.member).get(report.get_absolute_url()).content.decode()
    assert "<dt>Acceptance rate</dt><dd>—" in body
