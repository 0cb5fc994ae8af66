"""The schema of a progress report snapshot, and how a stored one is read for display.

A report is written once as JSON (ProgressReport.data) and never changed, so its shape is
versioned: `SNAPSHOT_VERSION` is written into every new report, and `upgrade` reads any
older version into the current shape, so reports already stored still render.

Decimals travel as strings ("12.5") so no figure is rounded on the way; days as ISO
strings; progress as raw fractions (0.42), clamped only for display.

Version history:
- 1: the first snapshots.
- 2: network currency; each objective's count of measures on track; people reached per
  activity kind.
- 3: referral section: accepted, declined, acceptance rate, satisfaction, median days to
  served, days to first touch.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict, cast, overload

from networks.formatting import whole_percent
from objectives.figures import STATUS_LABELS, clamp

SNAPSHOT_VERSION = 3


class NetworkPart(TypedDict):
    name: str
    cadence: str  # "weekly" | "monthly"
    currency: str


class GroupPart(TypedDict):
    id: int
    name: str
    is_cng: bool


class PeriodPart(TypedDict):
    start: str  # first day, ISO
    end: str  # first day after the period, ISO
    label: str  # "1 Oct 2026 – 31 Oct 2026"


class MeasurePart(TypedDict):
    id: int
    name: str
    unit: str
    source: str
    direction: str  # "increase" | "decrease"
    baseline: str
    target: str
    value: str  # the network's value at the period's end
    progress: float
    expected: float
    status: str  # "on_track" | "at_risk" | "off_track"
    previous_value: str | None  # from the group's previous report
    change: str | None
    group_contribution: str | None  # the group's part in the period (None: no reading)


class ObjectivePart(TypedDict):
    id: int
    title: str
    term: str
    due_on: str
    progress: float
    expected: float
    status: str
    on_track: int
    measures: list[MeasurePart]


class KindPart(TypedDict):
    kind: str
    label: str
    count: int
    people_reached: int


class ActivitiesPart(TypedDict):
    total: int
    people_reached: int
    by_kind: list[KindPart]


class ReferralsPart(TypedDict):
    made: int
    served: int
    closed_value: str
    followed: int
    follow_through: float | None
    accepted: int
    declined: int
    acceptance_rate: float | None
    rating: float | None
    rated: int
    median_days_to_served: float | None
    first_touch_days: float | None


class PersonPart(TypedDict):
    name: str
    led: int
    joined: int


class NewestActivity(TypedDict):
    title: str
    kind: str
    occurred_on: str


class HighlightsPart(TypedDict):
    most_active: list[PersonPart]
    newest_activities: list[NewestActivity]


class Snapshot(TypedDict):
    version: int
    network: NetworkPart
    group: GroupPart
    period: PeriodPart
    objectives: list[ObjectivePart]
    activities: ActivitiesPart
    referrals: ReferralsPart
    highlights: HighlightsPart


@overload
def decimal_text(value: Decimal | int) -> str: ...
@overload
def decimal_text(value: None) -> None: ...
def decimal_text(value: Decimal | int | None) -> str | None:
    """Decimals as plain strings, normalised so PostgreSQL's 20.00 and SQLite's 20 read
    the same: "20", "12.5"."""
    if value is None:
        return None
    number = Decimal(value)
    if number == number.to_integral_value():
        return format(number.quantize(Decimal(1)), "f")
    return format(number.normalize(), "f")


def upgrade(data: dict[str, Any]) -> Snapshot:
    """Any stored snapshot, read into the current version's shape."""
    version = data.get("version", 1)
    if version >= SNAPSHOT_VERSION:
        return cast(Snapshot, data)
    network = {"currency": ""} | data.get("network", {})
    objectives = [
        {"on_track": sum(m.get("status") == "on_track" for m in o.get("measures", []))} | o
        for o in data.get("objectives", [])
    ]
    activities = data.get("activities", {"total": 0, "people_reached": 0, "by_kind": []})
    activities = activities | {
        "by_kind": [{"people_reached": 0} | k for k in activities.get("by_kind", [])]
    }
    # Version 3 added referral figures older reports did not keep: unknown, not zero.
    referrals = REFERRALS_BEFORE_V3 | data.get("referrals", {})
    return cast(
        Snapshot,
        data
        | {
            "version": SNAPSHOT_VERSION,
            "network": network,
            "objectives": objectives,
            "activities": activities,
            "referrals": referrals,
        },
    )


REFERRALS_BEFORE_V3: dict[str, Any] = {
    "made": 0,
    "served": 0,
    "closed_value": "0",
    "followed": 0,
    "follow_through": None,
    "accepted": 0,
    "declined": 0,
    "acceptance_rate": None,
    "rating": None,
    "rated": 0,
    "median_days_to_served": None,
    "first_touch_days": None,
}


def _percent(x: float | None) -> int | None:
    """Whole percent for the bars, rounded as formatting.percent rounds."""
    return None if x is None else whole_percent(clamp(x))


def _trend(direction: str, change: Decimal | None) -> dict[str, Any]:
    if change is None:
        return {"arrow": None, "trend": "none"}
    better = change > 0 if direction == "increase" else change < 0
    arrow = "▲" if change > 0 else "▼" if change < 0 else "▬"
    return {"arrow": arrow, "trend": "none" if not change else "better" if better else "worse"}


OLD_RULE_NOTE = (
    "Written under the earlier rule: an objective's badge was its worst measure's status and "
    "its progress the plain average of its measures."
)


def display(data: dict[str, Any], *, currency: str = "") -> dict[str, Any]:
    """A stored snapshot with what pages and mails show besides its figures: percents for
    the bars, status labels, change arrows. `currency` stands in for a snapshot written
    before reports kept the network's currency."""
    stored_version = data.get("version", 1)
    snapshot = upgrade(data)
    if not snapshot["network"].get("currency"):
        snapshot = cast(
            Snapshot, dict(snapshot) | {"network": snapshot["network"] | {"currency": currency}}
        )
    objectives = []
    for o in snapshot["objectives"]:
        measures = [
            dict(m)
            | {
                "percent": _percent(m["progress"]),
                "expected_percent": _percent(m["expected"]),
                "shown": clamp(m["progress"]),
                "status_label": STATUS_LABELS[m["status"]],
            }
            | _trend(m["direction"], None if m["change"] is None else Decimal(m["change"]))
            for m in o["measures"]
        ]
        total = len(measures)
        objectives.append(
            dict(o)
            | {
                "measures": measures,
                "percent": _percent(o["progress"]),
                "expected_percent": _percent(o["expected"]),
                "shown": clamp(o["progress"]),
                "status_label": STATUS_LABELS[o["status"]] if measures else "No measures yet",
                "summary": f"{o['on_track']} of {total} measure{'s' if total != 1 else ''} "
                "on track",
            }
        )
    return dict(snapshot) | {
        "objectives": objectives,
        "rule_note": OLD_RULE_NOTE if stored_version < 2 else "",
    }
