"""Writes of the objectives app: activities with their contributions, progress report
snapshots and their delivery.

A report is written once per (group, period) and never changed. The figures every group
shares (each measure's value, progress and status at the period's end, and every group's
part in the period) are computed once per network and period; each group's own figures
read only that group's rows in the period, so a report costs what the period holds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from groups.models import Activity, GroupMembership, PeerGroup
from groups.services import activity_save
from networks.models import Membership, Network, User
from objectives import figures as engine
from objectives.figures import ReportPeriod, closed_periods, last_closed_period
from objectives.models import (
    CheckIn,
    Contribution,
    Measure,
    Objective,
    ProgressReport,
    ReportDelivery,
)
from objectives.snapshot import (
    SNAPSHOT_VERSION,
    ActivitiesPart,
    HighlightsPart,
    ObjectivePart,
    ReferralsPart,
    Snapshot,
)
from objectives.snapshot import decimal_text as _num
from objectives.snapshot import display as report_display
from webhooks.models import Event, WebhookEndpoint
from webhooks.services import changed_since_last_sent, event_emit

logger = logging.getLogger(__name__)

CATCH_UP_PERIODS = 12
TOP = 5
Figures = dict[str, Any]


def _round(x: float) -> float:
    return round(x, 4)


# ---------------------------------------------------------------- shared figures


def report_objectives(network: Network, period: ReportPeriod) -> QuerySet[Objective]:
    """Objectives a report for the period covers: begun by its end, not archived before it."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=network.tz)
    return Objective.objects.filter(network=network, starts_on__lt=period.end).filter(
        Q(archived_at__isnull=True) | Q(archived_at__gte=end)
    )


@engine.exact()
def network_figures(*, network: Network, period: ReportPeriod) -> Figures:
    """What every group's report shares: computed once per network and period.

    JSON-ready, so the scheduler can hand it to each group's task.
    """
    objectives = list(report_objectives(network, period).prefetch_related("measures"))
    measures = [m for o in objectives for m in o.measures.all()]
    parts = engine.measure_values_by_group(measures, start=period.start, end=period.end)
    contributions: dict[str, dict[str, str | None]] = {}
    for (measure_id, group_id), value in parts.items():
        contributions.setdefault(str(group_id), {})[str(measure_id)] = _num(value)
    rows: list[ObjectivePart] = []
    for overall in engine.objectives_progress(network, objectives, on=period.last_day):
        objective, results = overall.objective, overall.measures
        rows.append(
            {
                "id": objective.pk,
                "title": objective.title,
                "term": objective.get_term_display(),
                "due_on": objective.due_on.isoformat(),
                "progress": _round(overall.progress),
                "expected": _round(overall.expected),
                "status": overall.status,
                "on_track": overall.on_track_count,
                "measures": [
                    {
                        "id": r.measure.pk,
                        "name": r.measure.name,
                        "unit": r.measure.unit,
                        "source": r.measure.source,
                        "direction": r.measure.direction,
                        "baseline": _num(r.measure.baseline),
                        "target": _num(r.measure.target),
                        "value": _num(r.value),
                        "progress": _round(r.progress),
                        "expected": _round(r.expected),
                        "status": r.status,
                        # Filled per group by _measures_for_group.
                        "previous_value": None,
                        "change": None,
                        "group_contribution": None,
                    }
                    for r in results
                ],
            }
        )
    return {"objectives": rows, "contributions": contributions}


def figures_for_group(figures: Figures, group_id: int) -> Figures:
    """The slice of the shared figures one group's report needs."""
    own = figures["contributions"].get(str(group_id), {})
    return {"objectives": figures["objectives"], "contributions": {str(group_id): own}}


def figures_for_groups(figures: Figures, group_ids: Iterable[int]) -> Figures:
    """The slice of the shared figures a batch of groups' reports needs."""
    contributions = figures["contributions"]
    return {
        "objectives": figures["objectives"],
        "contributions": {str(g): contributions.get(str(g), {}) for g in group_ids},
    }


# ---------------------------------------------------------------- groups' own figures
#
# Each query below reads the period's rows of a batch of groups at once (GROUP BY group),
# so one group or two hundred cost the same number of queries.

PREVIOUS_WITHIN = dt.timedelta(days=400)  # "change since the previous report" looks this far


def _previous_values(group_ids: list[int], period: ReportPeriod) -> dict[int, dict[int, str]]:
    """group id -> {measure id: value} from each group's latest earlier report."""
    latest = Window(RowNumber(), partition_by=F("group_id"), order_by=F("period_start").desc())
    rows = (
        ProgressReport.objects.filter(
            group_id__in=group_ids,
            period_start__lt=period.start,
            period_start__gte=period.start - PREVIOUS_WITHIN,
        )
        .annotate(rank=latest)
        .filter(rank=1)
        .values_list("group_id", "data")
    )
    return {
        group_id: {
            m["id"]: m["value"] for o in data.get("objectives", []) for m in o.get("measures", [])
        }
        for group_id, data in rows
    }


def _activity_figures(
    network: Network, group_ids: list[int], period: ReportPeriod
) -> dict[int, ActivitiesPart]:
    found = engine.activity_figures(
        network, group_ids=group_ids, start=period.start, end=period.end
    )
    return {
        group_id: {
            "total": f.total,
            "people_reached": f.people_reached,
            "by_kind": [
                {
                    "kind": k.kind,
                    "label": k.label,
                    "count": k.count,
                    "people_reached": k.people_reached,
                }
                for k in f.by_kind
            ],
        }
        for group_id, f in found.items()
    }


def _referrals_part(f: engine.ReferralFigures) -> ReferralsPart:
    return {
        "made": f.made,
        "served": f.served,
        "closed_value": _num(f.closed_value) or "0",
        "followed": f.followed,
        "follow_through": None if f.follow_through is None else _round(f.follow_through),
        "accepted": f.accepted,
        "declined": f.declined,
        "acceptance_rate": None if f.acceptance_rate is None else _round(f.acceptance_rate),
        "rating": None if f.rating is None else _round(f.rating),
        "rated": f.rated,
        "median_days_to_served": f.median_days_to_served,
        "first_touch_days": None if f.first_touch_days is None else _round(f.first_touch_days),
    }


def _referral_figures(
    network: Network, group_ids: list[int], period: ReportPeriod
) -> dict[int, ReferralsPart]:
    found = engine.referral_figures(
        network, group_ids=group_ids, start=period.start, end=period.end
    )
    return {group_id: _referrals_part(f) for group_id, f in found.items()}


def _highlights(
    network: Network, group_ids: list[int], period: ReportPeriod
) -> dict[int, HighlightsPart]:
    in_period = (
        Activity.objects.for_network(network)
        .in_period(period.start, period.end)
        .filter(group_id__in=group_ids)
    )
    active = engine.most_active(
        network, group_ids=group_ids, start=period.start, end=period.end, top=TOP
    )
    names = dict(
        User.objects.filter(
            pk__in={uid for people in active.values() for uid, _, _ in people}
        ).values_list("pk", "name")
    )
    newest_first = Window(
        RowNumber(), partition_by=F("group_id"), order_by=[F("occurred_on").desc(), F("id").desc()]
    )
    newest = (
        in_period.annotate(rank=newest_first)
        .filter(rank__lte=TOP)
        .values("group_id", "title", "kind", "occurred_on")
        .order_by("group_id", "rank")
    )
    kinds = dict(Activity.Kind.choices)
    out: dict[int, HighlightsPart] = {
        group_id: {
            "most_active": [
                {"name": names.get(uid, ""), "led": led, "joined": joined}
                for uid, led, joined in people
            ],
            "newest_activities": [],
        }
        for group_id, people in active.items()
    }
    for a in newest:
        out.setdefault(a["group_id"], {"most_active": [], "newest_activities": []})[
            "newest_activities"
        ].append(
            {
                "title": a["title"],
                "kind": kinds.get(a["kind"], a["kind"]),
                "occurred_on": a["occurred_on"].isoformat(),
            }
        )
    return out


def _measures_for_group(
    figures: Figures, group_id: int, previous: dict[int, str]
) -> list[ObjectivePart]:
    own = figures["contributions"].get(str(group_id), {})
    objectives = []
    for o in figures["objectives"]:
        measures = []
        for m in o["measures"]:
            before = previous.get(m["id"])
            change = None if before is None else Decimal(m["value"]) - Decimal(before)
            measures.append(
                m
                | {
                    "previous_value": before,
                    "change": _num(change),
                    # A manual measure the group recorded nothing for has no figure, not 0.
                    "group_contribution": own.get(
                        str(m["id"]), None if m["source"] == "manual" else "0"
                    ),
                }
            )
        objectives.append(o | {"measures": measures})
    return objectives


@engine.exact()
def reports_data(
    *, network: Network, groups: list[PeerGroup], period: ReportPeriod, figures: Figures
) -> dict[int, Snapshot]:
    """The snapshot of each group for the period: group id -> report data."""
    ids = [g.pk for g in groups]
    previous = _previous_values(ids, period)
    activities = _activity_figures(network, ids, period)
    referrals = _referral_figures(network, ids, period)
    highlights = _highlights(network, ids, period)
    return {
        g.pk: {
            "version": SNAPSHOT_VERSION,
            "network": {
                "name": network.name,
                "cadence": network.report_cadence,
                "currency": network.currency,
            },
            "group": {"id": g.pk, "name": g.name, "is_cng": g.is_cng},
            "period": {
                "start": period.start.isoformat(),
                "end": period.end.isoformat(),
                "label": str(period),
            },
            "objectives": _measures_for_group(figures, g.pk, previous.get(g.pk, {})),
            "activities": activities.get(g.pk, {"total": 0, "people_reached": 0, "by_kind": []}),
            "referrals": referrals.get(g.pk, _referrals_part(engine.NO_REFERRALS)),
            "highlights": highlights.get(g.pk, {"most_active": [], "newest_activities": []}),
        }
        for g in groups
    }


def _published(reports: list[ProgressReport]) -> None:
    """`report.published` for each new report, sent once the reports commit."""
    if not reports or not WebhookEndpoint.objects.listening(
        reports[0].network, Event.REPORT_PUBLISHED
    ):
        return
    for report in reports:
        event_emit(network=report.network, event=Event.REPORT_PUBLISHED, data=report_event(report))


def _deliver_on_commit(report_ids: list[int]) -> None:
    from objectives.tasks import deliver_report

    for report_id in report_ids:
        transaction.on_commit(partial(deliver_report.delay, report_id), robust=True)


@transaction.atomic
def report_create(
    *,
    group: PeerGroup,
    period_start: dt.date,
    period_end: dt.date,
    figures: Figures | None = None,
    deliver: bool = True,
) -> tuple[ProgressReport, bool]:
    """The group's report for the period, written if missing; an existing one is untouched.

    Returns (report, created). When created and `deliver`, delivery is queued on commit.
    """
    existing = ProgressReport.objects.filter(group=group, period_start=period_start).first()
    if existing is not None:
        return existing, False
    period = ReportPeriod(period_start, period_end)
    network = group.network
    if figures is None:
        figures = network_figures(network=network, period=period)
    data = reports_data(network=network, groups=[group], period=period, figures=figures)
    # get_or_create settles a race between two workers on the unique constraint.
    report, created = ProgressReport.objects.get_or_create(
        group=group,
        period_start=period_start,
        defaults={"network": network, "period_end": period_end, "data": data[group.pk]},
    )
    if created:
        _published([report])
    if created and deliver:
        _deliver_on_commit([report.pk])
    return report, created


# ---------------------------------------------------------------- periods of a network

BATCH = 100  # groups per batch of queries and inserts
SNAPSHOT_FIELD = ProgressReport._meta.get_field("data")


def groups_missing_report(network: Network, period: ReportPeriod) -> QuerySet[PeerGroup]:
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=network.tz)
    done = ProgressReport.objects.filter(group=OuterRef("pk"), period_start=period.start)
    return (
        PeerGroup.objects.filter(network=network)
        .filter(Q(archived_at__isnull=True) | Q(archived_at__gte=end))
        .filter(~Exists(done))
        .order_by("pk")
    )


def _write_batch(
    network: Network, groups: list[PeerGroup], period: ReportPeriod, figures: Figures, deliver: bool
) -> int:
    data = reports_data(network=network, groups=groups, period=period, figures=figures)
    reports = [
        ProgressReport(
            network=network,
            group=g,
            period_start=period.start,
            period_end=period.end,
            # An expression, not the dict: bulk_create then writes one VALUES row per report
            # instead of UNNEST over a jsonb[] array, whose text escaping of every snapshot
            # cost psycopg longer than the batch's queries of activities.
            data=Value(data[g.pk], output_field=SNAPSHOT_FIELD),
        )
        for g in groups
    ]
    try:
        with transaction.atomic():
            ProgressReport.objects.bulk_create(reports)
            for report in reports:
                report.data = data[report.group_id]
            _published(reports)
            if deliver:
                _deliver_on_commit([r.pk for r in reports])
        return len(reports)
    except IntegrityError:
        # Another worker wrote some of these meanwhile: fall back to one at a time.
        return sum(
            report_create(
                group=g,
                period_start=period.start,
                period_end=period.end,
                figures=figures,
                deliver=deliver,
            )[1]
            for g in groups
        )


def reports_for_period(
    *,
    network: Network,
    period_start: dt.date,
    period_end: dt.date,
    deliver: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write every missing group report of one period; returns how many were written.

    The network's figures are computed once and the groups' own figures in batches, so the
    cost is a fixed number of queries per batch. `progress(done, total)` follows along.
    """
    period = ReportPeriod(period_start, period_end)
    groups = list(groups_missing_report(network, period))
    if not groups:
        return 0
    figures = network_figures(network=network, period=period)
    created = 0
    for first in range(0, len(groups), BATCH):
        batch = groups[first : first + BATCH]
        created += _write_batch(network, batch, period, figures, deliver)
        if progress:
            progress(first + len(batch), len(groups))
    return created


def reports_for_groups(
    *,
    network: Network,
    group_ids: list[int],
    period_start: dt.date,
    period_end: dt.date,
    figures: Figures,
    deliver: bool = True,
) -> int:
    """Write the missing reports of these groups for one period (a batch beat queued);
    returns how many were written. Groups reported meanwhile are left as they are."""
    period = ReportPeriod(period_start, period_end)
    groups = list(groups_missing_report(network, period).filter(pk__in=group_ids))
    if not groups:
        return 0
    return _write_batch(network, groups, period, figures, deliver)


def reports_since(network: Network) -> dt.date:
    """Reports start with the earliest objective, or the network's creation if none."""
    first = Objective.objects.filter(network=network).aggregate(first=Min("starts_on"))["first"]
    return first or network.created_at.astimezone(network.tz).date()


def periods_due(network: Network, now: dt.datetime | None = None) -> list[ReportPeriod]:
    """Closed periods (at most the last CATCH_UP_PERIODS) that still lack a group's report."""
    periods = closed_periods(network, since=reports_since(network), now=now, limit=CATCH_UP_PERIODS)
    return [p for p in periods if groups_missing_report(network, p).exists()]


def mails_period(network: Network, period: ReportPeriod, now: dt.datetime | None = None) -> bool:
    """Whether a period's reports are mailed: only the latest closed period's are. Older
    periods written late (workers were down, a network back-filled) are reports to read,
    not news: mailing them would send every member one mail per missed period."""
    return period == last_closed_period(network, now)


def reports_catch_up(
    *, network: Network, now: dt.datetime | None = None, deliver: bool = False
) -> int:
    """Write the reports of every closed period that lacks them; returns how many.

    Without `deliver` it back-fills quietly; with it, only the latest closed period is
    mailed (see `mails_period`).
    """
    return sum(
        reports_for_period(
            network=network,
            period_start=p.start,
            period_end=p.end,
            deliver=deliver and mails_period(network, p, now),
        )
        for p in periods_due(network, now)
    )


# ---------------------------------------------------------------- delivery


def _recipients(report: ProgressReport) -> list[tuple[int, str]]:
    """(user id, delivery preference) for each active member of the report's group."""
    preference = Membership.objects.filter(user=OuterRef("user"), network=report.network_id)
    return list(
        GroupMembership.objects.filter(group=report.group_id, user__is_active=True)
        .annotate(preference=preference.values("report_delivery")[:1])
        .values_list("user_id", "preference")
    )


CHANNELS = {
    Membership.Delivery.EVERY: ReportDelivery.Channel.EMAIL,
    Membership.Delivery.DIGEST: ReportDelivery.Channel.DIGEST,
    Membership.Delivery.IN_APP: ReportDelivery.Channel.IN_APP,
}


@transaction.atomic
def report_deliveries_create(*, report: ProgressReport) -> list[int]:
    """One delivery per member, by their preference; returns the email deliveries to send.

    Safe to repeat: existing deliveries are kept, and pending emails are sent again only
    through `delivery_send`, which claims each one once.
    """
    now = timezone.now()
    rows = []
    for user_id, preference in _recipients(report):
        channel = CHANNELS[Membership.Delivery(preference or Membership.Delivery.EVERY)]
        in_app = channel == ReportDelivery.Channel.IN_APP
        rows.append(
            ReportDelivery(
                report=report,
                user_id=user_id,
                channel=channel,
                state=ReportDelivery.State.SENT if in_app else ReportDelivery.State.PENDING,
                sent_at=now if in_app else None,
            )
        )
    ReportDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        report.deliveries.filter(
            channel=ReportDelivery.Channel.EMAIL, state=ReportDelivery.State.PENDING
        ).values_list("pk", flat=True)
    )


def report_url(report: ProgressReport) -> str:
    return settings.SITE_URL + report.get_absolute_url()


# Delivery is at least once, with a lease. Claiming a delivery stamps `claimed_at`; a claim
# older than the lease belongs to a task that died (a worker killed, a machine lost) and is
# taken again by the next task or by the sweep. The lease is far above one send.
#
# What remains: a mail goes twice only when the process dies (or the database fails) after
# the mail server accepted it and before the row is marked sent: one UPDATE, issued the
# moment the server replies, before the QUIT (see `_send`); or when a send outlasts the
# lease, which its few SMTP steps of at most EMAIL_TIMEOUT (20 s) each cannot.
DELIVERY_LEASE = dt.timedelta(minutes=5)
# Retries back off from 10 s to 45 min (objectives.tasks.retry_delay): 36 attempts span
# about a day, longer than a mail server's outage should last. Then the delivery is failed,
# shown to the network's organisers with a resend button.
MAX_SEND_ATTEMPTS = 36


class DeliveryBusy(Exception):
    """Another task holds a live claim on the delivery: try again in a few seconds."""


def _claimable(now: dt.datetime) -> Q:
    expired = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - DELIVERY_LEASE)
    return Q(state=ReportDelivery.State.PENDING) | (Q(state=ReportDelivery.State.SENDING) & expired)


def _claim(ids: Iterable[int]) -> list[int]:
    """Claim pending deliveries (and those whose claim has run out); only the caller that
    claimed a row may send it, until its lease runs out."""
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            ReportDelivery.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), pk__in=list(ids))
            .values_list("pk", flat=True)
        )
        ReportDelivery.objects.filter(pk__in=claimed).update(
            state=ReportDelivery.State.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    return claimed


def _unfinished(ids: Iterable[int]) -> bool:
    """Whether any of these deliveries still waits to be sent (held by another task)."""
    waiting = [ReportDelivery.State.PENDING, ReportDelivery.State.SENDING]
    return ReportDelivery.objects.filter(pk__in=list(ids), state__in=waiting).exists()


def _send(message: EmailMultiAlternatives, ids: list[int]) -> None:
    """Send one message for `ids` (see `_send_each`)."""
    _send_each([(message, ids)])


def _send_each(messages: list[tuple[EmailMultiAlternatives, list[int]]]) -> None:
    """Send messages over one connection, each marking its deliveries sent the moment the
    server has accepted it, before the next one and before the QUIT: a crash or a hang
    on the way out then cannot send it a second time.

    A mail error puts the deliveries not yet accepted back to pending (or failed) and
    re-raises; those already accepted stay sent.
    """
    connection = get_connection()
    accepted: set[int] = set()
    try:
        connection.open()
        for message, ids in messages:
            connection.send_messages([message])
            accepted.update(ids)
            _settle(ids, None)
    except Exception as error:
        _settle([pk for _, ids in messages for pk in ids if pk not in accepted], error)
        raise
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the messages were already accepted
            # A failing QUIT after the server took the mail is not an error: the mail went.
            logger.warning("Closing the mail connection failed", exc_info=True)


def _settle(ids: list[int], error: Exception | None) -> None:
    if error is None:
        ReportDelivery.objects.filter(pk__in=ids).update(
            state=ReportDelivery.State.SENT, sent_at=timezone.now(), last_error=""
        )
        return
    failed = Q(attempts__gte=MAX_SEND_ATTEMPTS)
    ReportDelivery.objects.filter(pk__in=ids).update(
        state=Case(
            When(failed, then=Value(ReportDelivery.State.FAILED)),
            default=Value(ReportDelivery.State.PENDING),
        ),
        last_error=f"{type(error).__name__}: {error}"[:500],
    )
    for delivery in ReportDelivery.objects.filter(
        pk__in=ids, state=ReportDelivery.State.FAILED
    ).values("pk", "attempts"):
        # Not silent: the organisers' reports page lists it with a resend button.
        logger.error(
            "Report delivery %s failed for good after %s attempts: %s",
            delivery["pk"], delivery["attempts"], error,
        )  # fmt: skip


def delivery_retry_attempts(*, ids: Iterable[int]) -> int | None:
    """How many attempts the deliveries have had, when one of them will be tried again;
    None once they are failed for good (or sent)."""
    return (
        ReportDelivery.objects.filter(pk__in=list(ids), state=ReportDelivery.State.PENDING)
        .order_by("-attempts")
        .values_list("attempts", flat=True)
        .first()
    )


def _message(
    user: User,
    template: str,
    context: dict[str, Any],
    subject: str,
    *,
    html_context: dict[str, Any] | None = None,
) -> Any:
    text = render_to_string(f"objectives/email/{template}.txt", context)
    html = render_to_string(f"objectives/email/{template}.html", html_context or context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


@dataclass(frozen=True)
class ReportMail:
    """What a report's mail says to every recipient, rendered once per report and batch:
    only the greeting is personal."""

    subject: str
    title: str
    text: str
    html: str


def report_mail(report: ProgressReport) -> ReportMail:
    context = {
        "report": report,
        "data": report_display(report.data, currency=report.network.currency),
        "url": report_url(report),
    }
    return ReportMail(
        subject=f"{report.group.name}: progress report for {report.period_label}",
        title=f"{report.group.name}: {report.period_label}",
        text=render_to_string("objectives/email/report_body.txt", context),
        html=render_to_string("objectives/email/report_body.html", context),
    )


def _report_message(delivery: ReportDelivery, mail: ReportMail | None = None) -> Any:
    """The report's mail to the delivery's recipient; `mail` is the report's shared part
    when the caller has rendered it already."""
    shared = mail or report_mail(delivery.report)
    context = {"user": delivery.user, "title": shared.title}
    return _message(
        delivery.user,
        "report",
        context | {"body": shared.text},
        shared.subject,
        html_context=context | {"body": mark_safe(shared.html)},  # noqa: S308 - rendered escaped
    )


def deliveries_send(*, delivery_ids: list[int]) -> tuple[int, list[int]]:
    """Email a batch of reports over one mail connection; returns (how many this call
    sent, the ids another task holds a live claim on, to be tried again in seconds).

    Each delivery is claimed (a lease) and marked sent as its mail is accepted, as in
    `delivery_send`; a mail error re-raises after putting the unsent ones back to pending.
    """
    claimed = _claim(delivery_ids)
    waiting = [pk for pk in delivery_ids if pk not in set(claimed)]
    busy = (
        list(
            ReportDelivery.objects.filter(
                pk__in=waiting,
                state__in=[ReportDelivery.State.PENDING, ReportDelivery.State.SENDING],
            ).values_list("pk", flat=True)
        )
        if waiting
        else []
    )
    if claimed:
        deliveries = list(
            ReportDelivery.objects.select_related("user").filter(pk__in=claimed).order_by("pk")
        )
        # A batch holds one report's mails (or a few): each report is read and rendered once.
        reports = ProgressReport.objects.select_related("group", "network").in_bulk(
            {d.report_id for d in deliveries}
        )
        shared = {pk: report_mail(report) for pk, report in reports.items()}
        _send_each([(_report_message(d, shared[d.report_id]), [d.pk]) for d in deliveries])
    return len(claimed), busy


def delivery_send(*, delivery_id: int) -> bool:
    """Email one report to one person. Returns whether this call sent it.

    Raises DeliveryBusy while another task holds a live claim on it. A mail error puts the
    delivery back to pending (failed after MAX_SEND_ATTEMPTS) and re-raises so the task
    retries. A worker dying mid-send leaves it "sending" until the lease runs out; then it
    is sent again (see DELIVERY_LEASE for the window left).
    """
    if not _claim([delivery_id]):
        if _unfinished([delivery_id]):
            raise DeliveryBusy(delivery_id)
        return False
    delivery = ReportDelivery.objects.select_related(
        "report__group", "report__network", "user"
    ).get(pk=delivery_id)
    _send(_report_message(delivery), [delivery_id])
    return True


def _stalled(now: dt.datetime, older_than: dt.timedelta) -> Q:
    """Deliveries no task is working on: pending well after their report was written and
    not tried for `older_than` (a retry waits at most 45 minutes, so its task was lost),
    or claimed by a task whose lease ran out."""
    untried = Q(claimed_at__isnull=True) | Q(claimed_at__lte=now - older_than)
    pending = Q(state=ReportDelivery.State.PENDING, report__created_at__lte=now - older_than)
    return (pending & untried) | (
        Q(state=ReportDelivery.State.SENDING) & ~Q(claimed_at__gte=now - DELIVERY_LEASE)
    )


def stalled_email_deliveries(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """Emails whose sending task was lost; the sweep sends them again (each is claimed by
    one task at a time)."""
    return list(
        ReportDelivery.objects.filter(
            _stalled(timezone.now(), older_than), channel=ReportDelivery.Channel.EMAIL
        ).values_list("pk", flat=True)[:1000]
    )


def digest_users(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """People with digest deliveries waiting; a report waits a while so a period's
    reports from all of a person's groups go out together."""
    return list(
        ReportDelivery.objects.filter(
            _stalled(timezone.now(), older_than), channel=ReportDelivery.Channel.DIGEST
        )
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )


def digest_waiting(*, user_id: int) -> list[int]:
    """The person's digest deliveries not yet sent."""
    return list(
        ReportDelivery.objects.filter(
            user_id=user_id,
            channel=ReportDelivery.Channel.DIGEST,
            state__in=[ReportDelivery.State.PENDING, ReportDelivery.State.SENDING],
        ).values_list("pk", flat=True)
    )


def digest_send(*, user_id: int) -> int:
    """Email one person every report waiting for their digest; returns how many it held."""
    waiting = digest_waiting(user_id=user_id)
    ids = _claim(waiting)
    if not ids:
        if _unfinished(waiting):
            raise DeliveryBusy(user_id)
        return 0
    user = User.objects.get(pk=user_id)
    reports = [
        (r, report_url(r))
        for r in ProgressReport.objects.filter(deliveries__pk__in=ids)
        .select_related("group", "network")
        .order_by("network__name", "-period_start", "group__name")
    ]
    subject = f"Grove digest: {len(reports)} progress report{'s' if len(reports) != 1 else ''}"
    _send(_message(user, "digest", {"user": user, "reports": reports}, subject), ids)
    return len(ids)


@transaction.atomic
def delivery_resend(*, delivery: ReportDelivery) -> bool:
    """Give a failed delivery a fresh set of attempts and queue it; False if it had not
    failed (a delivery is resent only once it is known not to have gone)."""
    from objectives.tasks import send_digest, send_report_email

    updated = ReportDelivery.objects.filter(
        pk=delivery.pk, state=ReportDelivery.State.FAILED
    ).update(state=ReportDelivery.State.PENDING, attempts=0, claimed_at=None)
    if not updated:
        return False
    if delivery.channel == ReportDelivery.Channel.DIGEST:
        transaction.on_commit(lambda: send_digest.delay(delivery.user_id), robust=True)
    else:
        transaction.on_commit(lambda: send_report_email.delay(delivery.pk), robust=True)
    return True


def delivery_mark_read(*, report: ProgressReport, user: User) -> None:
    ReportDelivery.objects.filter(report=report, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ---------------------------------------------------------------- activities with contributions


@transaction.atomic
def activity_save_with_contributions(
    *,
    activity: Activity,
    participants: list[User] | QuerySet,
    contributions: dict[int, Decimal],
) -> Activity:
    """Save an activity (new or changed), its participants and how much it advanced each measure.

    `contributions` maps measure id -> amount; a measure left out (or 0) has no contribution.
    Every measure must be in the activity's network. The contributions are checked before
    anything is saved, so a refused write leaves the activity unsaved (and without a pk).
    """
    network_id = activity.group.network_id
    known = set(
        Measure.objects.filter(pk__in=contributions, objective__network_id=network_id).values_list(
            "pk", flat=True
        )
    )
    if set(contributions) - known:
        raise ValidationError("An activity can only advance this network's measures.")
    if any(amount < 0 for amount in contributions.values()):
        raise ValidationError("Contribution amounts cannot be negative.")
    is_new = activity.pk is None
    activity_save(activity=activity, participants=participants)
    wanted = {pk: amount for pk, amount in contributions.items() if amount}
    Contribution.objects.filter(activity=activity).exclude(measure_id__in=wanted).delete()
    for measure_id, amount in wanted.items():
        Contribution.objects.update_or_create(
            activity=activity, measure_id=measure_id, defaults={"amount": amount}
        )
    if is_new:
        event_emit(
            network=activity.group.network,
            event=Event.ACTIVITY_LOGGED,
            data=activity_event(activity, wanted),
        )
    _check_statuses_on_commit(activity.group.network_id)
    return activity


# ---------------------------------------------------------------- check-ins and webhook events


@transaction.atomic
def check_in_save(*, check_in: CheckIn) -> CheckIn:
    """Record a manual reading (validated by objectives.forms.CheckInForm on every path)."""
    check_in.save()
    _check_statuses_on_commit(check_in.measure.objective.network_id)
    return check_in


def activity_event(activity: Activity, contributions: dict[int, Decimal]) -> dict[str, Any]:
    return {
        "id": activity.pk,
        "group": activity.group.slug,
        "kind": activity.kind,
        "title": activity.title,
        "occurred_on": activity.occurred_on.isoformat(),
        "people_reached": activity.people_reached,
        "led_by": activity.led_by_id,
        "contributions": [
            {"measure_id": pk, "amount": _num(amount)} for pk, amount in contributions.items()
        ],
    }


def report_event(report: ProgressReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "group": report.group.slug,
        "period_start": report.period_start.isoformat(),
        "period_end": report.period_end.isoformat(),
        "url": report_url(report),
    }


def _check_statuses_on_commit(network_id: int) -> None:
    from objectives.tasks import check_objective_statuses

    transaction.on_commit(partial(check_objective_statuses.delay, network_id), robust=True)


@transaction.atomic
def objective_status_events(*, network: Network) -> int:
    """Send `objective.status_changed` for each active objective whose status (on track, at
    risk, off track) differs from the one last sent; the first status seen is sent too, with
    no previous one. Does nothing while no endpoint listens. Returns the events sent."""
    if not WebhookEndpoint.objects.listening(network, Event.OBJECTIVE_STATUS_CHANGED):
        return 0
    sent = 0
    for overall in engine.network_progress(network):
        objective = overall.objective
        before = changed_since_last_sent(
            network=network, subject=f"objective:{objective.pk}", value=overall.status
        )
        if before is None:
            continue
        event_emit(
            network=network,
            event=Event.OBJECTIVE_STATUS_CHANGED,
            data={
                "objective": {"id": objective.pk, "title": objective.title},
                "status": overall.status,
                "previous_status": before or None,
                "progress": _round(overall.progress),
                "expected": _round(overall.expected),
            },
        )
        sent += 1
    return sent
