import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Model, Window
from django.db.models import Field as DjangoField
from django.db.models.functions import RowNumber
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from groups.models import Activity, PeerGroup
from networks.http import AuthenticatedRequest
from networks.models import Membership, Network
from networks.policy import Access, network_access
from networks.views import mission_context
from objectives import figures
from objectives.charts import progress_chart
from objectives.figures import MeasureProgress, ObjectiveProgress
from objectives.forms import CheckInForm, MeasureForm, ObjectiveForm, ReportDeliveryForm
from objectives.models import CheckIn, Measure, Objective, ProgressReport, ReportDelivery
from objectives.services import (
    check_in_save,
    delivery_mark_read,
    delivery_resend,
    report_display,
)

HOME_GROUPS = 12


@login_required
def network_home(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    """The network's front page. It lives here, not in networks, because it shows
    objectives and groups, and networks imports from no other app."""
    network, access = network_access(request, network_slug)
    # The first few groups, with a link to all of them: a network of hundreds of groups
    # must not render every one (and its gardeners) on its front page.
    groups = list(network.groups.active().with_gardeners()[: HOME_GROUPS + 1])
    context = {
        **mission_context(network, access),
        "progress": figures.network_progress(network),
        "objective_rule": figures.OBJECTIVE_RULE,
        "groups": groups[:HOME_GROUPS],
        "more_groups": len(groups) > HOME_GROUPS,
        "activities": Activity.objects.for_network(network).select_related("group", "led_by")[:10],
    }
    return render(request, "networks/home.html", context)


# ---------------------------------------------------------------- objectives


def _objective(network: Network, pk: int) -> Objective:
    objective = get_object_or_404(
        Objective.objects.filter(network=network).prefetch_related("measures"), pk=pk
    )
    objective.network = network
    return objective


@login_required
def objective_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    show_archived = request.GET.get("archived") == "1"
    context: dict[str, Any] = {
        "network": network,
        "access": access,
        "show_archived": show_archived,
    }
    if show_archived:
        context["archived"] = network.objectives.filter(archived_at__isnull=False).order_by(
            "-archived_at"
        )
    else:
        progress = figures.network_progress(network)
        context["objective_rule"] = figures.OBJECTIVE_RULE
        context["short_term"] = [p for p in progress if p.objective.term == Objective.Term.SHORT]
        context["long_term"] = [p for p in progress if p.objective.term == Objective.Term.LONG]
    return render(request, "objectives/objective_list.html", context)


@login_required
def objective_create(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_manage_objectives)
    today = network.today()
    form = ObjectiveForm(
        request.POST or None,
        instance=Objective(network=network),
        initial={"term": Objective.Term.SHORT, "starts_on": today},
    )
    if request.method == "POST" and form.is_valid():
        objective = form.save()
        messages.success(request, "Objective created. Now add the measures that show progress.")
        return redirect(
            "objectives:measure_create", network_slug=network.slug, objective_id=objective.pk
        )
    return render(
        request,
        "objectives/objective_form.html",
        {"network": network, "access": access, "form": form, "objective": None},
    )


@login_required
def objective_edit(
    request: AuthenticatedRequest, network_slug: str, objective_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    objective = _objective(network, objective_id)
    access.require(access.can_manage_objectives)
    form = ObjectiveForm(request.POST or None, instance=objective)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Objective saved.")
        return redirect(objective)
    return render(
        request,
        "objectives/objective_form.html",
        {"network": network, "access": access, "form": form, "objective": objective},
    )


@login_required
@require_http_methods(["GET", "POST"])
def objective_archive(
    request: AuthenticatedRequest, network_slug: str, objective_id: int
) -> HttpResponse:
    """Archive (or, with restore=1, bring back) an objective; archived ones leave the
    home page and reports but keep their history. GET asks first, so a stray click on
    "Archive" archives nothing, with or without JavaScript."""
    network, access = network_access(request, network_slug)
    objective = _objective(network, objective_id)
    access.require(access.can_manage_objectives)
    if request.method == "GET":
        if objective.archived_at is not None:
            return redirect(objective)
        context = {"network": network, "access": access, "objective": objective}
        return render(request, "objectives/objective_archive.html", context)
    if request.POST.get("restore") == "1":
        objective.archived_at = None
        messages.success(request, f"“{objective.title}” is active again.")
    elif objective.archived_at is None:
        objective.archived_at = timezone.now()
        messages.success(request, f"“{objective.title}” is archived.")
    objective.save(update_fields=["archived_at"])
    return redirect(objective)


@dataclass(frozen=True)
class GroupPart:
    group: PeerGroup
    value: Any
    share: float  # of the largest part, for the bar


@dataclass(frozen=True)
class MeasureCard:
    progress: MeasureProgress
    parts: list[GroupPart]  # the groups adding most (all of them on request)
    check_ins: list[CheckIn]
    can_check_in: bool = False
    groups_count: int = 0  # how many groups added something

    @property
    def more_groups(self) -> bool:
        return self.groups_count > len(self.parts)

    @property
    def measure(self) -> Measure:
        return self.progress.measure


CARD_CHECK_INS = 5
# A card lists the groups adding most to its measure; all of them on request (a network
# of hundreds of groups would otherwise render hundreds of rows on every card).
CARD_GROUPS = 10


def _measure_cards(
    network: Network,
    measures: list[Measure],
    values: dict[int, Any] | None = None,
    *,
    all_groups: bool = False,
) -> list[MeasureCard]:
    """Everything a measure card shows, for all the objective's measures at once; `values`
    are today's values when the caller already has them (a series' last points)."""
    today = network.today()
    end = today + dt.timedelta(days=1)
    if values is None:
        values = figures.measure_values(measures, end=end)
    by_group = figures.measure_values_by_group(measures, end=end)
    group_ids = {group_id for (_, group_id) in by_group}
    groups = PeerGroup.objects.only("name").in_bulk(group_ids) if group_ids else {}
    manual = [m.pk for m in measures if m.source == Measure.Source.MANUAL]
    recent: dict[int, list[CheckIn]] = {pk: [] for pk in manual}
    if manual:
        # The latest few per measure in one query, however many readings there are.
        rank = Window(
            RowNumber(),
            partition_by=[F("measure_id")],
            order_by=[F("recorded_on").desc(), F("id").desc()],
        )
        latest = (
            CheckIn.objects.filter(measure_id__in=manual)
            .annotate(rank=rank)
            .filter(rank__lte=CARD_CHECK_INS)
            .select_related("group", "recorded_by")
            .order_by("measure_id", "rank")
        )
        for check_in in latest:
            recent[check_in.measure_id].append(check_in)
    cards = []
    for measure in measures:
        parts_raw = sorted(
            ((groups[g], v) for (m, g), v in by_group.items() if m == measure.pk and g in groups),
            key=lambda item: (-item[1], item[0].name),
        )
        largest = max((v for _, v in parts_raw), default=0) or 1
        shown = parts_raw if all_groups else parts_raw[:CARD_GROUPS]
        parts = [GroupPart(g, v, float(v / largest) * 100) for g, v in shown]
        cards.append(
            MeasureCard(
                figures.measure_progress(
                    measure, values[measure.pk], on=today, tolerance=network.tolerance
                ),
                parts,
                recent.get(measure.pk, []),
                groups_count=len(parts_raw),
            )
        )
    return cards


CHART_MONTHS = 12


def objective_figures(
    network: Network,
    objective: Objective,
    values: dict[int, Any] | None = None,
    *,
    all_groups: bool = False,
) -> tuple[ObjectiveProgress, list[MeasureCard]]:
    """The objective's headline figures and its measures' cards, from one set of values."""
    measures = list(objective.measures.all())
    cards = _measure_cards(network, measures, values, all_groups=all_groups)
    progress = figures.objective_progress(
        objective,
        [c.progress for c in cards],
        on=network.today(),
        tolerance=network.tolerance,
    )
    return progress, cards


def _series(network: Network, objective: Objective) -> dict[int, list] | None:
    """Each measure's value at the end of every month of the objective so far (at most the
    last year), ending today; None before the objective starts."""
    today = network.today()
    measures = list(objective.measures.all())
    if not measures or today < objective.starts_on:
        return None
    months = figures.recent_periods(today, "month", CHART_MONTHS)
    return figures.measure_series(
        measures, start=months[0], end=today + dt.timedelta(days=1), period="month"
    )


def _summary_context(
    network: Network,
    access: Access,
    objective: Objective,
    values: dict[int, Any] | None = None,
    *,
    all_groups: bool = False,
) -> dict[str, Any]:
    progress, cards = objective_figures(network, objective, values, all_groups=all_groups)
    cards = [replace(c, can_check_in=access.can_check_in(c.measure)) for c in cards]
    return {
        "summary": progress,
        "cards": cards,
        "objective_rule": figures.OBJECTIVE_RULE,
        "card_groups": CARD_GROUPS,
        "all_groups": all_groups,
    }


def _all_groups(request: AuthenticatedRequest) -> bool:
    """Whether the cards list every group (`?groups=all`), kept by the check-in form's
    swaps of a card."""
    return request.GET.get("groups") == "all"


@login_required
def objective_detail(
    request: AuthenticatedRequest, network_slug: str, objective_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    objective = _objective(network, objective_id)
    series = _series(network, objective)
    # The series ends today: its last points are today's values, read once.
    values = None if series is None else {pk: points[-1][1] for pk, points in series.items()}
    chart = None if series is None else progress_chart(objective, series, today=network.today())
    context = {
        "network": network,
        "access": access,
        "objective": objective,
        **_summary_context(network, access, objective, values, all_groups=_all_groups(request)),
        "history": change_history(objective),
        "chart": chart,
    }
    return render(request, "objectives/objective_detail.html", context)


# ---------------------------------------------------------------- measures


@login_required
def measure_create(
    request: AuthenticatedRequest, network_slug: str, objective_id: int
) -> HttpResponse:
    network, access = network_access(request, network_slug)
    objective = _objective(network, objective_id)
    access.require(access.can_manage_objectives)
    form = MeasureForm(request.POST or None, instance=Measure(objective=objective))
    if request.method == "POST" and form.is_valid():
        measure = form.save()
        messages.success(request, f"Measure “{measure.name}” added.")
        if request.POST.get("another"):
            return redirect(
                "objectives:measure_create", network_slug=network.slug, objective_id=objective.pk
            )
        return redirect(objective)
    return render(
        request,
        "objectives/objective_measure_form.html",
        {
            "network": network,
            "access": access,
            "form": form,
            "objective": objective,
            "measure": None,
        },
    )


def _measure(network: Network, pk: int) -> Measure:
    return get_object_or_404(
        Measure.objects.select_related("objective").filter(objective__network=network), pk=pk
    )


@login_required
def measure_edit(request: AuthenticatedRequest, network_slug: str, measure_id: int) -> HttpResponse:
    network, access = network_access(request, network_slug)
    measure = _measure(network, measure_id)
    access.require(access.can_manage_objectives)
    form = MeasureForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Measure “{measure.name}” saved.")
        return redirect(measure.objective)
    return render(
        request,
        "objectives/objective_measure_form.html",
        {
            "network": network,
            "access": access,
            "form": form,
            "objective": measure.objective,
            "measure": measure,
        },
    )


# ---------------------------------------------------------------- check-ins


@login_required
def checkin_create(
    request: AuthenticatedRequest, network_slug: str, measure_id: int
) -> HttpResponse:
    """Record a manual reading. Under htmx the measure's card is swapped in place, with the
    form open while it has errors; without JavaScript it is an ordinary form page."""
    network, access = network_access(request, network_slug)
    measure = _measure(network, measure_id)
    access.require(access.can_check_in(measure))
    form = CheckInForm(
        request.POST or None,
        instance=CheckIn(measure=measure, recorded_by=request.user),
        groups=access.check_in_groups(network.groups.active()),
        network_wide=access.can_record_network_reading,
        today=network.today(),
    )
    if request.htmx and request.method == "GET":
        # The link that opened the form is swapped away: keyboard focus goes to the form.
        form.fields["value"].widget.attrs["autofocus"] = True
    saved = False
    if request.method == "POST" and form.is_valid():
        check_in_save(check_in=form.save(commit=False))
        saved = True
        if not request.htmx:
            messages.success(request, f"Check-in recorded for “{measure.name}”.")
            return redirect(measure.objective)
    context: dict[str, Any] = {
        "network": network,
        "access": access,
        "objective": measure.objective,
        "measure": measure,
        "form": form,
    }
    if request.htmx:
        objective = _objective(network, measure.objective_id)
        summary = _summary_context(network, access, objective, all_groups=_all_groups(request))
        context |= {
            "card": next(c for c in summary["cards"] if c.measure.pk == measure.pk),
            "checkin_open": not saved and not request.GET.get("cancel"),
            "just_saved": saved,
            # After a reading the objective's headline changes too: htmx swaps it out of band.
            "oob_summary": summary["summary"] if saved else None,
            "objective_rule": summary["objective_rule"],
            "card_groups": summary["card_groups"],
            "all_groups": summary["all_groups"],
        }
        return render(request, "objectives/_measure_card.html", context)
    return render(request, "objectives/objective_checkin_form.html", context)


CHECK_INS_PER_PAGE = 25


@login_required
def checkin_list(request: AuthenticatedRequest, network_slug: str, measure_id: int) -> HttpResponse:
    """Every reading of a manual measure, newest first."""
    network, access = network_access(request, network_slug)
    measure = _measure(network, measure_id)
    readings = measure.check_ins.select_related("group", "recorded_by")
    page = Paginator(readings, CHECK_INS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "network": network,
        "access": access,
        "objective": measure.objective,
        "measure": measure,
        "page": page,
        "can_check_in": access.can_check_in(measure),
    }
    return render(request, "objectives/objective_checkins.html", context)


# ---------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: Any
    subject: str
    action: str
    changes: list[tuple[str, str, str]]


OBJECTIVE_FIELDS = ["title", "term", "description", "starts_on", "due_on", "archived_at"]
MEASURE_FIELDS = ["name", "unit", "baseline", "target", "direction", "source", "activity_kinds"]
HISTORY_LIMIT = 40


def _verbose_name(model: type[Model], field: str) -> str:
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, DjangoField)
    return str(model_field.verbose_name)


def _show(model: type[Model], field: str, value: Any) -> str:
    if value in (None, "", []):
        return "—"
    model_field = model._meta.get_field(field)
    assert isinstance(model_field, DjangoField)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if field == "activity_kinds":
        kinds = dict(Activity.Kind.choices)
        return ", ".join(str(kinds.get(k, k)) for k in value)
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%-d %b %Y}"
    if isinstance(value, dt.date):
        return f"{value:%-d %b %Y}"
    text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _entries(
    records: list[Any], model: type[Model], fields: list[str], noun: str
) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    previous: dict[int, Any] = {}
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        label = getattr(record, "title", None) or getattr(record, "name", "")
        subject = f"{noun} “{label}”"
        if record.history_type == "+":
            entries.append(
                HistoryEntry(record.history_date, record.history_user, subject, "created", [])
            )
            continue
        if record.history_type == "-":
            entries.append(
                HistoryEntry(record.history_date, record.history_user, subject, "deleted", [])
            )
            continue
        if before is None:
            continue
        delta = record.diff_against(before, included_fields=fields)
        # diff_against sorts by field name; show them in the form's order instead.
        changes = [
            (
                str(_verbose_name(model, change.field)),
                _show(model, change.field, change.old),
                _show(model, change.field, change.new),
            )
            for change in sorted(delta.changes, key=lambda change: fields.index(change.field))
        ]
        if changes:
            entries.append(
                HistoryEntry(record.history_date, record.history_user, subject, "changed", changes)
            )
    return entries


def change_history(objective: Objective) -> list[HistoryEntry]:
    """Who changed the objective and its measures, field by field, newest first."""
    objective_records = list(
        objective.history.select_related("history_user").order_by("history_date", "history_id")
    )
    measure_records = list(
        Measure.history.filter(objective_id=objective.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    entries = _entries(objective_records, Objective, OBJECTIVE_FIELDS, "Objective")
    entries += _entries(measure_records, Measure, MEASURE_FIELDS, "Measure")
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:HISTORY_LIMIT]


# ---------------------------------------------------------------- progress reports

REPORTS_PER_PAGE = 25


@login_required
def report_list(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    reports = (
        access.visible_reports(ProgressReport.objects.filter(network=network))
        .select_related("group")
        .defer("data")
        .order_by("-period_start", "group__name", "pk")
    )
    page = Paginator(reports, REPORTS_PER_PAGE).get_page(request.GET.get("page"))
    unread = set(
        ReportDelivery.objects.filter(
            user=request.user, report__in=[r.pk for r in page], read_at__isnull=True
        )
        .order_by()
        .values_list("report_id", flat=True)
    )
    context = {
        "network": network,
        "access": access,
        "page": page,
        "unread": unread,
        "failed_mails": _failed_mails(network) if access.can_resend_report_mails else None,
    }
    return render(request, "objectives/reports.html", context)


@login_required
def report_detail(request: AuthenticatedRequest, network_slug: str, report_id: int) -> HttpResponse:
    network, access = network_access(request, network_slug)
    report = get_object_or_404(
        ProgressReport.objects.filter(network=network).select_related("group"), pk=report_id
    )
    access.require(access.can_see_group_reports(report.group))
    delivery_mark_read(report=report, user=request.user)
    context = {
        "network": network,
        "access": access,
        "report": report,
        "data": report_display(report.data, currency=network.currency),
    }
    return render(request, "objectives/report.html", context)


@login_required
def report_preferences(request: AuthenticatedRequest, network_slug: str) -> HttpResponse:
    network, access = network_access(request, network_slug)
    access.require(access.can_choose_report_delivery)
    membership = Membership.objects.filter(user=request.user, network=network).first()
    form = ReportDeliveryForm(request.POST or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your report delivery preference is saved.")
        return redirect("objectives:report_preferences", network_slug=network.slug)
    return render(
        request,
        "objectives/report_preferences.html",
        {"network": network, "access": access, "form": form},
    )


# ---------------------------------------------------------------- failed report mails

FAILED_MAILS_SHOWN = 50


def _failed_mails(network: Network) -> list[ReportDelivery]:
    return list(
        ReportDelivery.objects.filter(report__network=network, state=ReportDelivery.State.FAILED)
        .select_related("report__group", "user")
        .defer("report__data")
        .order_by("-report__period_start", "user__name")[:FAILED_MAILS_SHOWN]
    )


@login_required
@require_POST
def delivery_resend_view(
    request: AuthenticatedRequest, network_slug: str, delivery_id: int
) -> HttpResponse:
    """Send a report mail that failed for good once more, with a fresh set of retries."""
    network, access = network_access(request, network_slug)
    delivery = get_object_or_404(
        ReportDelivery.objects.select_related("user"), report__network=network, pk=delivery_id
    )
    access.require(access.can_resend_report_mails)
    if delivery_resend(delivery=delivery):
        messages.success(request, f"The report mail to {delivery.user} is on its way again.")
    else:
        messages.error(request, f"The report mail to {delivery.user} had not failed.")
    return redirect("objectives:reports", network_slug=network.slug)
