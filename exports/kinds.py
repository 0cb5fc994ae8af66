"""The registry of export kinds: what each export holds, who may take it, its columns.

A kind names its URL (under /n/<network>/exports/), its columns (documented on the
columns page), how a request selects its rows (with the page's own access rule) and how
a row is written. Adding a kind, the referral log say, is one `register(Kind(...))`:
its URL, menu entry, columns page, background job and admin action follow.

Every figure comes from the report snapshot as stored (objectives.snapshot.display) or
from the rows themselves; nothing here recomputes a figure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404

from exports.formats import Cell, Column
from groups.models import Activity, GroupMembership, PeerGroup
from hub.views import active_groups, activity_filters, filtered_activities
from networks.models import Membership, Network
from networks.policy import Access
from objectives.models import CheckIn, Measure, ProgressReport
from objectives.snapshot import display
from referrals.models import Referral

CHUNK = 2000  # rows a server-side cursor fetches at a time


Rows = Callable[[QuerySet[Any]], Iterator[Sequence[Cell]]]


@dataclass(frozen=True)
class Selection:
    """What one request asked for: its rows (not yet fetched) and what to call the file.
    `columns` and `rows`, when set, stand in for the kind's own for this person: an export
    whose columns depend on who asks (the referral log without client contact details for
    those who may not see them) chooses them in its `select`."""

    title: str
    filename: str
    queryset: QuerySet[Any]
    columns: tuple[Column, ...] | None = None
    rows: Rows | None = None


Select = Callable[[Network, Access, Mapping[str, Any], QueryDict], Selection]


@dataclass(frozen=True)
class Kind:
    slug: str  # URL name exports:<slug> and the job's kind
    title: str
    description: str  # who may take it and what one row is, for the columns page
    route: str  # under exports/, with the URL's own arguments: "reports/<id:report_id>/"
    columns: tuple[Column, ...]
    select: Select
    rows: Rows
    formats: tuple[str, ...] = ("csv", "xlsx")
    model: type | None = None  # the admin action's model; its queryset goes to `rows`


KINDS: dict[str, Kind] = {}


def columns_of(kind: Kind, selection: Selection) -> tuple[Column, ...]:
    return selection.columns or kind.columns


def rows_of(kind: Kind, selection: Selection) -> Iterator[Sequence[Cell]]:
    return (selection.rows or kind.rows)(selection.queryset)


def register(kind: Kind) -> Kind:
    if kind.slug in KINDS:
        raise ValueError(f"Export kind {kind.slug!r} is registered twice.")
    KINDS[kind.slug] = kind
    return kind


def get(slug: str) -> Kind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("No such export.")


def _stem(*parts: str) -> str:
    return "-".join(p.strip().lower().replace(" ", "-") for p in parts if p)


# ---------------------------------------------------------------- activity log

ACTIVITY_COLUMNS = (
    Column("activity_id", "Grove's id of the activity.", "number", 12),
    Column("occurred_on", "The day it took place.", "date", 12),
    Column("group", "The peer group that logged it.", "text", 24),
    Column("kind", "Meeting hosted, course taught, blog written, …", "text", 20),
    Column("title", "What it was called.", "text", 40),
    Column("description", "The description as written.", "text", 50),
    Column("led_by", "The member who led it.", "text", 22),
    Column("participants", "How many members took part besides the leader.", "number", 12),
    Column("people_reached", "People reached, as logged.", "number", 14),
)
KIND_LABELS = dict(Activity.Kind.choices)


class SubqueryCount(Subquery):
    """COUNT(*) of a subquery's rows, 0 when there are none."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


def _select_activities(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    # Everyone in the network sees the whole activity log: the export is the log as filtered.
    filters = activity_filters(network, query, active_groups(network))
    activities = filtered_activities(network, filters)
    return Selection(f"Activity log, {network.name}", _stem(network.slug, "activities"), activities)


def activity_values(activities: QuerySet[Any]) -> QuerySet[Any]:
    """The activity export's one query (bench/exports.py times PostgreSQL's COPY of it)."""
    # A subquery per row, not a join: joining participants would repeat each activity.
    joined = SubqueryCount(
        Activity.participants.through.objects.filter(activity_id=OuterRef("pk")).values("pk")
    )
    return (
        activities.order_by("-occurred_on", "-id")
        .annotate(joined=joined)
        .values_list(
            "pk",
            "occurred_on",
            "group__name",
            "kind",
            "title",
            "description",
            "led_by__name",
            "joined",
            "people_reached",
        )
    )


def _activity_rows(activities: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
    for row in activity_values(activities).iterator(chunk_size=CHUNK):
        yield row[:3] + (KIND_LABELS.get(row[3], row[3]),) + row[4:]


register(
    Kind(
        slug="activities",
        title="Activity log",
        description="Every member. One row per activity, with the activity log's filters "
        "applied (kind, dates, group, objective, member).",
        route="activities/",
        columns=ACTIVITY_COLUMNS,
        select=_select_activities,
        rows=_activity_rows,
        model=Activity,
    )
)

# ---------------------------------------------------------------- check-ins

CHECKIN_COLUMNS = (
    Column("check_in_id", "Grove's id of the reading.", "number", 12),
    Column("objective", "The objective the measure belongs to.", "text", 30),
    Column("measure", "The measure read.", "text", 30),
    Column("unit", "The measure's unit.", "text", 10),
    Column("recorded_on", "The day the reading is for.", "date", 12),
    Column("value", "The reading, a number in the measure's unit.", "number", 12),
    Column("group", "The group it was recorded for; empty for the whole network.", "text", 22),
    Column("recorded_by", "Who recorded it.", "text", 22),
    Column("note", "The note written with it.", "text", 40),
)


def _select_checkins(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    # Everyone in the network sees a measure's check-in history.
    measure = get_object_or_404(
        Measure.objects.select_related("objective"),
        objective__network=network,
        pk=arguments["measure_id"],
    )
    return Selection(
        f"Check-ins of {measure.name}",
        _stem(network.slug, "check-ins", str(measure.pk)),
        measure.check_ins.all(),
    )


def _checkin_rows(check_ins: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
    rows = check_ins.order_by("-recorded_on", "-id").values_list(
        "pk",
        "measure__objective__title",
        "measure__name",
        "measure__unit",
        "recorded_on",
        "value",
        "group__name",
        "recorded_by__name",
        "note",
    )
    yield from rows.iterator(chunk_size=CHUNK)


register(
    Kind(
        slug="checkins",
        title="Check-ins of a measure",
        description="Every member. One row per reading of the measure, newest first.",
        route="measures/<id:measure_id>/check-ins/",
        columns=CHECKIN_COLUMNS,
        select=_select_checkins,
        rows=_checkin_rows,
        model=CheckIn,
    )
)

# ---------------------------------------------------------------- member directory

MEMBER_COLUMNS = (
    Column("name", "The member's name.", "text", 24),
    Column("email", "The address they sign in with; an import matches people by it.", "text", 30),
    Column("organisation", "Where they work.", "text", 24),
    Column("sector", "Their field.", "text", 18),
    Column("expertise", "What they know, in their words.", "text", 36),
    Column(
        "groups",
        "The network's active groups they belong to, separated by “;”; “(gardener)” after a "
        "group they garden. An import takes group names or slugs.",
        "text",
        40,
    ),
    Column("role", "organiser or member: their role in the network.", "text", 12),
)


def group_cell(memberships: Sequence[GroupMembership]) -> str:
    """The groups column: "Founders Circle (gardener); Makers". A name holding the separator
    is written as its slug, which the import also reads."""
    parts = []
    for membership in memberships:
        group = membership.group
        label = group.slug if ";" in group.name or "(" in group.name else group.name
        if membership.role == GroupMembership.Role.GARDENER:
            label += " (gardener)"
        parts.append(label)
    return "; ".join(parts)


def _select_members(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    access.require(access.can_export_directory)
    return Selection(
        f"Members of {network.name}",
        _stem(network.slug, "members"),
        Membership.objects.filter(network=network),
    )


def _member_rows(memberships: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
    groups = (
        GroupMembership.objects.filter(group__archived_at__isnull=True)
        .select_related("group")
        .order_by("group__name")
    )
    rows = (
        memberships.select_related("user")
        .prefetch_related(Prefetch("user__group_memberships", groups, to_attr="all_groups"))
        .order_by("user__name", "user__id")
    )
    for membership in rows.iterator(chunk_size=CHUNK):
        person = membership.user
        mine = [m for m in person.all_groups if m.group.network_id == membership.network_id]
        yield (
            person.name,
            person.email,
            person.organisation,
            person.sector,
            person.expertise,
            group_cell(mine),
            membership.role,
        )


register(
    Kind(
        slug="members",
        title="Member directory",
        description="Organisers and site admins. One row per member of the network; the "
        "member import reads this file back, so export → edit → import round-trips.",
        route="members/",
        columns=MEMBER_COLUMNS,
        select=_select_members,
        rows=_member_rows,
        model=Membership,
    )
)

# ---------------------------------------------------------------- progress reports

REPORT_COLUMNS = (
    Column("report_id", "Grove's id of the report.", "number", 10),
    Column("period_start", "The period's first day.", "date", 12),
    Column("period_end", "The period's last day.", "date", 12),
    Column("group", "The group the report is for.", "text", 22),
    Column("objective", "The objective.", "text", 30),
    Column("objective_status", "On track, at risk or off track.", "text", 14),
    Column("objective_progress_percent", "The objective's progress, as on the page.", "number", 12),
    Column("measure", "The measure; empty when the objective has none.", "text", 30),
    Column("unit", "The measure's unit.", "text", 8),
    Column("baseline", "Where the measure started.", "number", 10),
    Column("target", "Where it should get to.", "number", 10),
    Column("value", "The network's value at the period's end.", "number", 10),
    Column("progress_percent", "Progress from baseline to target, 0–100.", "number", 10),
    Column("expected_percent", "Share of the objective's time gone, 0–100.", "number", 10),
    Column("status", "On track, at risk or off track.", "text", 12),
    Column("change", "Change since the group's previous report; empty on a first.", "number", 10),
    Column("group_contribution", "The group's own part in the period.", "number", 12),
    Column("activities", "Activities the group logged in the period.", "number", 10),
    Column("people_reached", "People those activities reached.", "number", 10),
    Column("referrals_made", "Referrals made in the group in the period.", "number", 10),
    Column("referrals_served", "Referrals served in the period.", "number", 10),
    Column("closed_value", "Business value of referrals closed, in the currency.", "number", 12),
)


def _number(text: str | None) -> Decimal | None:
    return None if text is None or text == "" else Decimal(text)


def report_rows_of(report: ProgressReport) -> Iterator[Sequence[Cell]]:
    """One row per measure of the stored snapshot, its figures as the report page shows
    them (objectives.snapshot.display)."""
    data = display(report.data, currency=report.network.currency)
    group = data["group"]["name"]
    activities, referrals = data["activities"], data["referrals"]
    tail = (
        activities["total"],
        activities["people_reached"],
        referrals["made"],
        referrals["served"],
        _number(referrals["closed_value"]),
    )
    head = (report.pk, report.period_start, report.last_day, group)
    if not data["objectives"]:
        yield head + (None,) * 13 + tail
    for o in data["objectives"]:
        objective = (o["title"], o["status_label"], o["percent"])
        if not o["measures"]:
            yield head + objective + (None,) * 10 + tail
        for m in o["measures"]:
            yield (
                head
                + objective
                + (
                    m["name"],
                    m["unit"],
                    _number(m["baseline"]),
                    _number(m["target"]),
                    _number(m["value"]),
                    m["percent"],
                    m["expected_percent"],
                    m["status_label"],
                    _number(m["change"]),
                    _number(m["group_contribution"]),
                )
                + tail
            )


def _report_rows(reports: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
    ordered = reports.select_related("group", "network").order_by(
        "period_start", "group__name", "pk"
    )
    for report in ordered.iterator(chunk_size=200):
        yield from report_rows_of(report)


def _select_report(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    report = get_object_or_404(
        ProgressReport.objects.filter(network=network).select_related("group"),
        pk=arguments["report_id"],
    )
    access.require(access.can_see_group_reports(report.group))
    return Selection(
        f"{report.group.name}: {report.period_label}",
        _stem(network.slug, report.group.slug, report.period_start.isoformat()),
        ProgressReport.objects.filter(pk=report.pk),
    )


def report_period(query: QueryDict) -> dt.date | None:
    try:
        return dt.date.fromisoformat(query.get("period", ""))
    except ValueError:
        return None


def _select_reports(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    """The reports this person may read; with ?period=<first day>, that period's only:
    every group's report of one period as one file for the network."""
    reports = access.visible_reports(ProgressReport.objects.filter(network=network))
    period = report_period(query)
    if period is not None:
        reports = reports.filter(period_start=period)
        return Selection(
            f"Progress reports of {network.name}, period from {period:%-d %b %Y}",
            _stem(network.slug, "reports", period.isoformat()),
            reports,
        )
    return Selection(f"Progress reports of {network.name}", _stem(network.slug, "reports"), reports)


register(
    Kind(
        slug="report",
        title="A progress report",
        description="Whoever may read the report: the group's members and gardener, "
        "organisers, site admins. One row per measure of the report (an objective without "
        "measures, or a report without objectives, has one row); the group's activity and "
        "referral figures repeat on every row. PDF: the report as a document.",
        route="reports/<id:report_id>/",
        columns=REPORT_COLUMNS,
        select=_select_report,
        rows=_report_rows,
        formats=("csv", "xlsx", "pdf"),
    )
)
register(
    Kind(
        slug="reports",
        title="Progress reports, all groups",
        description="Organisers and site admins get every group's reports, everyone else "
        "their own groups'. With a period, that period's reports only: one file for the "
        "network. Columns as for one report.",
        route="reports/",
        columns=REPORT_COLUMNS,
        select=_select_reports,
        rows=_report_rows,
        formats=("csv", "xlsx", "pdf"),
        model=ProgressReport,
    )
)

# ---------------------------------------------------------------- referral log

REFERRAL_COLUMNS = (
    Column("referral_id", "Grove's id of the referral.", "number", 12),
    Column("made_on", "The day the concierge made it.", "date", 12),
    Column("status", "Made, accepted, in progress, served, closed or declined.", "text", 14),
    Column("need", "What the client needs, as the concierge wrote it.", "text", 40),
    Column("concierge", "The member who brought the client and stays with them.", "text", 22),
    Column("colleague", "The member serving the client.", "text", 22),
    Column(
        "client",
        "The client's name, for the people who may see it (the concierge, the colleague, the "
        "group's gardener and the organisers, once the client consented); “—” otherwise.",
        "text",
        24,
    ),
    Column("served_on", "The day the client was served; empty until then.", "date", 12),
    Column("closed_on", "The day it closed; empty until then.", "date", 12),
    Column("closed_value", "The business value recorded at the close.", "number", 14),
    Column("satisfaction", "The client's rating, 1 to 5; empty without feedback.", "number", 12),
)
CONTACT_COLUMNS = (
    Column("client_organisation", "The client's organisation (see client).", "text", 24),
    Column("client_email", "The client's email (see client).", "text", 28),
    Column("client_phone", "The client's phone (see client).", "text", 16),
)
REFERRAL_STATUS = dict(Referral.Status.choices)
HIDDEN = "—"


def _referral_cells(referral: Referral, *, client: bool, contact: bool) -> Sequence[Cell]:
    cells: list[Cell] = [
        referral.pk,
        referral.made_on,
        REFERRAL_STATUS.get(referral.status, referral.status),
        referral.need,
        referral.referrer.name,
        referral.receiver.name,
        referral.client.name if client else HIDDEN,
        referral.served_on,
        referral.closed_on,
        referral.closed_value,
        referral.client_rating,
    ]
    if contact:
        found = referral.client
        cells += [found.organisation, found.email, found.phone] if client else [HIDDEN] * 3
    return cells


def _referral_queryset(referrals: QuerySet[Any]) -> QuerySet[Any]:
    return referrals.select_related("client", "referrer", "receiver", "group").order_by(
        "-made_on", "-id"
    )


def _referral_rows(referrals: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
    """Every detail: the admin action (site admins) and organisers."""
    for referral in _referral_queryset(referrals).iterator(chunk_size=CHUNK):
        yield _referral_cells(referral, client=True, contact=True)


def _select_referrals(
    network: Network, access: Access, arguments: Mapping[str, Any], query: QueryDict
) -> Selection:
    group = get_object_or_404(PeerGroup, network=network, slug=arguments["group_slug"])
    group.network = network
    access.require(access.can_see_group_referrals(group))
    referrals = Referral.objects.filter(group=group)
    # Contact details leave Grove only in the files of those who serve every client of
    # the group (its gardener, the organisers); a member's file has no contact columns,
    # and each row's client name follows the page's rule.
    contact = access.is_organiser or access.gardens(group)

    def rows(selected: QuerySet[Any]) -> Iterator[Sequence[Cell]]:
        for referral in _referral_queryset(selected).iterator(chunk_size=CHUNK):
            yield _referral_cells(referral, client=access.can_see_client(referral), contact=contact)

    return Selection(
        f"Referral log, {group.name}",
        _stem(network.slug, group.slug, "referrals"),
        referrals,
        columns=REFERRAL_COLUMNS + (CONTACT_COLUMNS if contact else ()),
        rows=rows,
    )


register(
    Kind(
        slug="referrals",
        title="Referral log of a collaborative network group",
        description="The group's members and the organisers. One row per referral, newest "
        "first. Members' files leave out the client contact columns, and show a client's name "
        "only to the people who may see it.",
        route="referrals/<slug:group_slug>/",
        columns=REFERRAL_COLUMNS + CONTACT_COLUMNS,
        select=_select_referrals,
        rows=_referral_rows,
        model=Referral,
    )
)
