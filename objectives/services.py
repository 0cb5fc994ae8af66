"""Writes of the objectives app: progress report snapshots and their delivery.

A report is written once per (group, period) and never changed. The figures every group
shares (each measure's value, progress and status at the period's end, and every group's
part in the period) are computed once per network and period; each group's own figures
read only that group's rows in the period, so a report costs what the period holds.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Membership, Network, User
from objectives.models import Objective, ProgressReport, ReportDelivery
from objectives.progress import (
    ReportPeriod,
    closed_periods,
    measure_progress,
    measure_values,
    measure_values_by_group,
    objective_progress,
)
from referrals.models import Referral, Touchpoint

logger = logging.getLogger(__name__)

CATCH_UP_PERIODS = 12
TOP = 5
Figures = dict[str, Any]


def _num(value: Decimal | int | None) -> str | None:
    """Decimals travel in JSON as plain strings, so no figure is rounded on the way."""
    if value is None:
        return None
    # Normalised so that PostgreSQL's 20.00 and SQLite's 20 read the same: "20", "12.5".
    number = Decimal(value)
    if number == number.to_integral_value():
        return format(number.quantize(Decimal(1)), "f")
    return format(number.normalize(), "f")


def _round(x: float) -> float:
    return round(x, 4)


# ---------------------------------------------------------------- shared figures


def report_objectives(network: Network, period: ReportPeriod) -> QuerySet[Objective]:
    """Objectives a report for the period covers: begun by its end, not archived before it."""
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=network.tz)
    return Objective.objects.filter(network=network, starts_on__lt=period.end).filter(
        Q(archived_at__isnull=True) | Q(archived_at__gte=end)
    )


def network_figures(*, network: Network, period: ReportPeriod) -> Figures:
    """What every group's report shares: computed once per network and period.

    JSON-ready, so the scheduler can hand it to each group's task.
    """
    objectives = list(report_objectives(network, period).prefetch_related("measures"))
    measures = [m for o in objectives for m in o.measures.all()]
    on = period.end - dt.timedelta(days=1)
    values = measure_values(measures, start=None, end=period.end)
    parts = measure_values_by_group(measures, start=period.start, end=period.end)
    contributions: dict[str, dict[str, str | None]] = {}
    for (measure_id, group_id), value in parts.items():
        contributions.setdefault(str(group_id), {})[str(measure_id)] = _num(value)
    rows = []
    for objective in objectives:
        results = [
            measure_progress(m, values[m.pk], on=on, tolerance=network.tolerance)
            for m in objective.measures.all()
        ]
        overall = objective_progress(objective, results, on=on, tolerance=network.tolerance)
        rows.append(
            {
                "id": objective.pk,
                "title": objective.title,
                "term": objective.get_term_display(),
                "due_on": objective.due_on.isoformat(),
                "progress": _round(overall.progress),
                "expected": _round(overall.expected),
                "status": overall.status,
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


# ---------------------------------------------------------------- one group's report


def _previous_values(group: PeerGroup, period: ReportPeriod) -> dict[int, str]:
    data = (
        ProgressReport.objects.filter(group=group, period_start__lt=period.start)
        .order_by("-period_start")
        .values_list("data", flat=True)
        .first()
    )
    if not data:
        return {}
    return {m["id"]: m["value"] for o in data.get("objectives", []) for m in o.get("measures", [])}


def _activity_figures(group: PeerGroup, period: ReportPeriod) -> dict[str, Any]:
    kinds = dict(Activity.Kind.choices)
    rows = (
        Activity.objects.filter(group=group)
        .in_period(period.start, period.end)
        .order_by()
        .values("kind")
        .annotate(count=Count("id"), reached=Sum("people_reached"))
        .order_by("-count", "kind")
    )
    by_kind = [
        {"kind": r["kind"], "label": kinds.get(r["kind"], r["kind"]), "count": r["count"]}
        for r in rows
    ]
    return {
        "total": sum(r["count"] for r in by_kind),
        "people_reached": sum(r["reached"] or 0 for r in rows),
        "by_kind": by_kind,
    }


def _referral_figures(group: PeerGroup, period: ReportPeriod) -> dict[str, Any]:
    start, end = period.start, period.end
    made = Q(made_on__gte=start, made_on__lt=end)
    served = Q(served_on__gte=start, served_on__lt=end)
    closed = Q(closed_on__gte=start, closed_on__lt=end)
    by_referrer = Touchpoint.objects.filter(
        referral=OuterRef("pk"), author=OuterRef("referrer"), happened_on__lt=end
    )
    totals = (
        Referral.objects.filter(group=group)
        .filter(made | served | closed)
        .aggregate(
            made=Count("id", filter=made),
            served=Count("id", filter=served),
            closed_value=Sum("closed_value", filter=closed),
            followed=Count("id", filter=made & Q(Exists(by_referrer))),
        )
    )
    return {
        "made": totals["made"],
        "served": totals["served"],
        "closed_value": _num(totals["closed_value"] or 0),
        "followed": totals["followed"],
        # Concierge follow-through: share of the period's referrals the referrer stayed with.
        "follow_through": _round(totals["followed"] / totals["made"]) if totals["made"] else None,
    }


def _highlights(group: PeerGroup, period: ReportPeriod) -> dict[str, Any]:
    in_period = Activity.objects.filter(group=group).in_period(period.start, period.end)
    led = dict(
        in_period.order_by()
        .values("led_by_id")
        .annotate(n=Count("id"))
        .values_list("led_by_id", "n")
    )
    joined = dict(
        Activity.participants.through.objects.filter(activity__in=in_period.values("id"))
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values_list("user_id", "n")
    )
    totals = {uid: led.get(uid, 0) + joined.get(uid, 0) for uid in led.keys() | joined.keys()}
    top = sorted(totals, key=lambda uid: (-totals[uid], uid))[:TOP]
    names = dict(User.objects.filter(pk__in=top).values_list("pk", "name"))
    newest = in_period.order_by("-occurred_on", "-id").values("title", "kind", "occurred_on")[:TOP]
    kinds = dict(Activity.Kind.choices)
    return {
        "most_active": [
            {
                "name": names.get(uid, ""),
                "led": led.get(uid, 0),
                "joined": joined.get(uid, 0),
            }
            for uid in top
        ],
        "newest_activities": [
            {
                "title": a["title"],
                "kind": kinds.get(a["kind"], a["kind"]),
                "occurred_on": a["occurred_on"].isoformat(),
            }
            for a in newest
        ],
    }


def _report_data(group: PeerGroup, period: ReportPeriod, figures: Figures) -> dict[str, Any]:
    previous = _previous_values(group, period)
    own = figures["contributions"].get(str(group.pk), {})
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
                    "group_contribution": own.get(str(m["id"]), "0"),
                }
            )
        objectives.append(o | {"measures": measures})
    network = group.network
    return {
        "version": 1,
        "network": {"name": network.name, "cadence": network.report_cadence},
        "group": {"id": group.pk, "name": group.name, "is_cng": group.is_cng},
        "period": {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "label": str(period),
        },
        "objectives": objectives,
        "activities": _activity_figures(group, period),
        "referrals": _referral_figures(group, period),
        "highlights": _highlights(group, period),
    }


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
    if figures is None:
        figures = network_figures(network=group.network, period=period)
    # get_or_create settles a race between two workers on the unique constraint.
    report, created = ProgressReport.objects.get_or_create(
        group=group,
        period_start=period_start,
        defaults={
            "network_id": group.network_id,
            "period_end": period_end,
            "data": _report_data(group, period, figures),
        },
    )
    if created and deliver:
        from objectives.tasks import deliver_report

        transaction.on_commit(lambda: deliver_report.delay(report.pk), robust=True)
    return report, created


# ---------------------------------------------------------------- periods of a network


def groups_missing_report(network: Network, period: ReportPeriod) -> QuerySet[PeerGroup]:
    end = dt.datetime.combine(period.end, dt.time(), tzinfo=network.tz)
    done = ProgressReport.objects.filter(group=OuterRef("pk"), period_start=period.start)
    return (
        PeerGroup.objects.filter(network=network)
        .filter(Q(archived_at__isnull=True) | Q(archived_at__gte=end))
        .filter(~Exists(done))
        .order_by("pk")
    )


def reports_for_period(
    *,
    network: Network,
    period_start: dt.date,
    period_end: dt.date,
    deliver: bool = True,
    each: Callable[[Iterable[PeerGroup]], Iterable[PeerGroup]] = iter,
) -> int:
    """Write every missing group report of one period; returns how many were written.

    `each` wraps the groups (the command passes a progress bar).
    """
    period = ReportPeriod(period_start, period_end)
    groups = list(groups_missing_report(network, period).select_related("network"))
    if not groups:
        return 0
    figures = network_figures(network=network, period=period)
    created = 0
    for group in each(groups):
        created += report_create(
            group=group,
            period_start=period.start,
            period_end=period.end,
            figures=figures,
            deliver=deliver,
        )[1]
    return created


def reports_since(network: Network) -> dt.date:
    """Reports start with the earliest objective, or the network's creation if none."""
    first = Objective.objects.filter(network=network).aggregate(first=Min("starts_on"))["first"]
    return first or network.created_at.astimezone(network.tz).date()


def periods_due(network: Network, now: dt.datetime | None = None) -> list[ReportPeriod]:
    """Closed periods (at most the last CATCH_UP_PERIODS) that still lack a group's report."""
    periods = closed_periods(network, since=reports_since(network), now=now, limit=CATCH_UP_PERIODS)
    return [p for p in periods if groups_missing_report(network, p).exists()]


def reports_catch_up(
    *, network: Network, now: dt.datetime | None = None, deliver: bool = False
) -> int:
    """Write the reports of every closed period that lacks them; returns how many.

    Without `deliver` it back-fills quietly: nobody is mailed about old periods.
    """
    return sum(
        reports_for_period(network=network, period_start=p.start, period_end=p.end, deliver=deliver)
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
        channel = CHANNELS.get(preference or Membership.Delivery.EVERY)
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


def _claim(ids: Iterable[int]) -> list[int]:
    """Move pending deliveries to sending; only the caller that moved a row may send it."""
    with transaction.atomic():
        claimed = list(
            ReportDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=list(ids), state=ReportDelivery.State.PENDING)
            .values_list("pk", flat=True)
        )
        ReportDelivery.objects.filter(pk__in=claimed).update(
            state=ReportDelivery.State.SENDING, attempts=F("attempts") + 1
        )
    return claimed


def _send(message: EmailMultiAlternatives) -> None:
    # Opened here so that a failing QUIT after the server took the mail is not an error:
    # the mail went, and retrying would send it twice.
    connection = get_connection()
    connection.open()
    try:
        connection.send_messages([message])
    finally:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - the message was already accepted
            logger.warning("Closing the mail connection failed", exc_info=True)


def _settle(ids: list[int], error: Exception | None, *, final: bool) -> None:
    if error is None:
        ReportDelivery.objects.filter(pk__in=ids).update(
            state=ReportDelivery.State.SENT, sent_at=timezone.now(), last_error=""
        )
        return
    state = ReportDelivery.State.FAILED if final else ReportDelivery.State.PENDING
    ReportDelivery.objects.filter(pk__in=ids).update(
        state=state, last_error=f"{type(error).__name__}: {error}"[:500]
    )


def _message(user: User, template: str, context: dict[str, Any], subject: str) -> Any:
    text = render_to_string(f"objectives/email/{template}.txt", context)
    html = render_to_string(f"objectives/email/{template}.html", context)
    message = EmailMultiAlternatives(subject, text, to=[user.email])
    message.attach_alternative(html, "text/html")
    return message


def delivery_send(*, delivery_id: int, final: bool = False) -> bool:
    """Email one report to one person, at most once. Returns whether this call sent it.

    A mail error puts the delivery back to pending (or failed when `final`) and re-raises
    so the task retries. A worker dying mid-send leaves it "sending": never sent twice.
    """
    if not _claim([delivery_id]):
        return False
    delivery = ReportDelivery.objects.select_related(
        "report__group", "report__network", "user"
    ).get(pk=delivery_id)
    report = delivery.report
    context = {
        "report": report,
        "data": report_display(report.data),
        "user": delivery.user,
        "url": report_url(report),
    }
    subject = f"{report.group.name}: progress report for {report.data['period']['label']}"
    try:
        _send(_message(delivery.user, "report", context, subject))
    except Exception as error:
        _settle([delivery_id], error, final=final)
        raise
    _settle([delivery_id], None, final=final)
    return True


def stalled_email_deliveries(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """Emails still pending well after their report was written: their sending task was
    lost or gave up early. Sending them again is safe, a delivery is claimed once."""
    return list(
        ReportDelivery.objects.filter(
            channel=ReportDelivery.Channel.EMAIL,
            state=ReportDelivery.State.PENDING,
            report__created_at__lte=timezone.now() - older_than,
        ).values_list("pk", flat=True)[:1000]
    )


def digest_users(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[int]:
    """People with digest deliveries waiting; a report waits a while so a period's
    reports from all of a person's groups go out together."""
    return list(
        ReportDelivery.objects.filter(
            channel=ReportDelivery.Channel.DIGEST,
            state=ReportDelivery.State.PENDING,
            report__created_at__lte=timezone.now() - older_than,
        )
        .order_by()
        .values_list("user_id", flat=True)
        .distinct()
    )


def digest_send(*, user_id: int, final: bool = False) -> int:
    """Email one person every report waiting for their digest; returns how many it held."""
    waiting = ReportDelivery.objects.filter(
        user_id=user_id, channel=ReportDelivery.Channel.DIGEST, state=ReportDelivery.State.PENDING
    ).values_list("pk", flat=True)
    ids = _claim(waiting)
    if not ids:
        return 0
    user = User.objects.get(pk=user_id)
    reports = [
        (r, report_url(r))
        for r in ProgressReport.objects.filter(deliveries__pk__in=ids)
        .select_related("group", "network")
        .order_by("network__name", "-period_start", "group__name")
    ]
    subject = f"Grove digest: {len(reports)} progress report{'s' if len(reports) != 1 else ''}"
    try:
        _send(_message(user, "digest", {"user": user, "reports": reports}, subject))
    except Exception as error:
        _settle(ids, error, final=final)
        raise
    _settle(ids, None, final=final)
    return len(ids)


def delivery_mark_read(*, report: ProgressReport, user: User) -> None:
    ReportDelivery.objects.filter(report=report, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# ---------------------------------------------------------------- presenting a snapshot


def _percent(x: float | None) -> int | None:
    return None if x is None else round(min(max(x, 0.0), 1.0) * 100)


def report_display(data: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with what pages and mails show: percents, labels, change arrows."""
    from objectives.progress import STATUS_LABELS

    objectives = []
    for o in data.get("objectives", []):
        measures = []
        for m in o["measures"]:
            change = None if m.get("change") is None else Decimal(m["change"])
            better = (change or 0) > 0 if m["direction"] == "increase" else (change or 0) < 0
            measures.append(
                m
                | {
                    "percent": _percent(m["progress"]),
                    "expected_percent": _percent(m["expected"]),
                    "status_label": STATUS_LABELS[m["status"]],
                    "arrow": None
                    if change is None
                    else "▲"
                    if change > 0
                    else "▼"
                    if change < 0
                    else "▬",
                    "trend": "none" if not change else "better" if better else "worse",
                }
            )
        objectives.append(
            o
            | {
                "measures": measures,
                "percent": _percent(o["progress"]),
                "expected_percent": _percent(o["expected"]),
                "status_label": STATUS_LABELS[o["status"]],
            }
        )
    referrals = data.get("referrals", {})
    return data | {
        "objectives": objectives,
        "referrals": referrals
        | {"follow_through_percent": _percent(referrals.get("follow_through"))},
    }
