from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from groups.models import Activity, PeerGroup
from networks.formatting import date_range
from networks.models import Network


class ObjectiveQuerySet(models.QuerySet["Objective"]):
    def active(self) -> "ObjectiveQuerySet":
        return self.filter(archived_at__isnull=True)


class Objective(models.Model):
    class Term(models.TextChoices):
        SHORT = "short", "Short term"
        LONG = "long", "Long term"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=4000, blank=True)
    term = models.CharField(max_length=5, choices=Term.choices)
    starts_on = models.DateField()
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["created_at"])
    objects = ObjectiveQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gt=F("starts_on")),
                name="objectives_objective_due_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "archived_at"], name="objectives_obj_active_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "objectives:detail", kwargs={"network_slug": self.network.slug, "objective_id": self.pk}
        )

    def expected_progress(self, on: date) -> float:
        """Share of the objective's time elapsed on the given day, 0..1."""
        total = (self.due_on - self.starts_on).days
        elapsed = (on - self.starts_on).days
        return min(max(elapsed / total, 0.0), 1.0)


class MeasureQuerySet(models.QuerySet["Measure"]):
    def active_in(self, network: Network) -> "MeasureQuerySet":
        """The measures of the network's active objectives, each with its objective, in the
        objectives' order and then the measures' (one query)."""
        return (
            self.filter(objective__network=network, objective__archived_at__isnull=True)
            .select_related("objective")
            .order_by("objective__due_on", "objective__title", "objective_id", "id")
        )

    def fed_by_activities(self, network: Network) -> "MeasureQuerySet":
        """The network's active measures that logging an activity moves: by a count of
        activities (activity_count) or by the amount each contributes (activity_sum), in the
        order the activity form lists them."""
        return self.active_in(network).filter(
            source__in=[Measure.Source.ACTIVITY_COUNT, Measure.Source.ACTIVITY_SUM]
        )


class Measure(models.Model):
    class Direction(models.TextChoices):
        INCREASE = "increase", "Increase"
        DECREASE = "decrease", "Decrease"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual check-ins"
        ACTIVITY_COUNT = "activity_count", "Count of activities"
        ACTIVITY_SUM = "activity_sum", "Sum of activity contributions"
        REFERRALS_MADE = "referrals_made", "Referrals made"
        REFERRALS_SERVED = "referrals_served", "Referrals served"
        REFERRALS_CLOSED_VALUE = "referrals_closed_value", "Closed referral value"

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="measures")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    baseline = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    target = models.DecimalField(max_digits=14, decimal_places=2)
    direction = models.CharField(
        max_length=8, choices=Direction.choices, default=Direction.INCREASE
    )
    source = models.CharField(max_length=30, choices=Source.choices, default=Source.MANUAL)
    # For ACTIVITY_COUNT: which activity kinds count; empty means every kind.
    activity_kinds = models.JSONField(default=list, blank=True)

    history = HistoricalRecords()
    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["objective", "id"]
        constraints = [
            # The direction is where the target lies, so a target equal to the baseline is refused.
            models.CheckConstraint(
                condition=(Q(direction="increase") & Q(target__gt=F("baseline")))
                | (Q(direction="decrease") & Q(target__lt=F("baseline"))),
                name="objectives_measure_target_matches_direction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.objective})"

    def counts_kind(self, kind: str) -> bool:
        """Whether an activity of this kind counts toward an activity_count measure; the
        progress engine applies the same rule (no kinds chosen means every kind)."""
        return self.source == self.Source.ACTIVITY_COUNT and (
            not self.activity_kinds or kind in self.activity_kinds
        )


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def in_period(self, start: date | None, end: date) -> "CheckInQuerySet":
        """Readings on days start <= day < end; no lower bound when start is None."""
        qs = self.filter(recorded_on__lt=end)
        return qs if start is None else qs.filter(recorded_on__gte=start)


class CheckIn(models.Model):
    """A manual reading of a measure, optionally on behalf of one group."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="check_ins")
    group = models.ForeignKey(
        PeerGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="check_ins"
    )
    value = models.DecimalField(max_digits=14, decimal_places=2)
    note = models.TextField(max_length=2000, blank=True)
    recorded_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(excluded_fields=["created_at"])
    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="objectives_checkin_value_non_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["measure", "recorded_on"], name="objectives_checkin_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.measure.name}: {self.value} on {self.recorded_on}"


class ContributionQuerySet(models.QuerySet["Contribution"]):
    def in_period(self, start: date | None, end: date) -> "ContributionQuerySet":
        """Contributions of activities on days start <= day < end."""
        qs = self.filter(activity__occurred_on__lt=end)
        return qs if start is None else qs.filter(activity__occurred_on__gte=start)


class Contribution(models.Model):
    """How much one activity advanced one measure."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="contributions")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="contributions")
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    history = HistoricalRecords()
    objects = ContributionQuerySet.as_manager()

    class Meta:
        ordering = ["measure", "activity"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "measure"], name="objectives_contribution_once"
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="objectives_contribution_amount_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity.title} → {self.measure.name}: {self.amount}"


class ProgressReport(models.Model):
    """An immutable snapshot of one group's progress for one closed period."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="reports")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField()
    period_end = models.DateField(help_text="First day after the period.")
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-period_start", "group"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "period_start"], name="objectives_progressreport_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=F("period_start")),
                name="objectives_progressreport_valid_period",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "period_start"], name="objectives_report_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group} — {self.period_label}"

    def get_absolute_url(self) -> str:
        return reverse(
            "objectives:report",
            kwargs={"network_slug": self.network.slug, "report_id": self.pk},
        )

    @property
    def last_day(self) -> date:
        return self.period_end - timedelta(days=1)

    @property
    def period_label(self) -> str:
        """The period by its first and last day, as every page and mail writes it."""
        return date_range(self.period_start, self.last_day)


class ReportDelivery(models.Model):
    """One report to one person; the unique pair means nobody gets a report twice."""

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        DIGEST = "digest", "Digest"
        IN_APP = "in_app", "In app"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        # Claimed by one task since `claimed_at`: a lease. A claim older than
        # objectives.services.DELIVERY_LEASE belongs to a task that died and is taken again.
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_deliveries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # When the last send attempt claimed the row (kept after it, for the sweep to tell a
    # delivery waiting for its retry from one whose task was lost).
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["report", "user"]
        verbose_name_plural = "report deliveries"
        constraints = [
            models.UniqueConstraint(fields=["report", "user"], name="objectives_delivery_once"),
        ]
        indexes = [
            models.Index(fields=["user", "state"], name="objectives_delivery_state_idx"),
            # The reports page lists a network's failed mails: a few rows among every
            # delivery ever made (35,000 a period at 20,000 members), found without a scan.
            models.Index(
                fields=["report"],
                condition=models.Q(state="failed"),
                name="objectives_delivery_failed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.user} ({self.state})"


# ---------------------------------------------------------------- monthly rollups
#
# What the figures engine reads for whole months instead of every row of history. Both are
# maintained on every write of an activity or contribution (objectives.rollup, called from
# objectives.signals, so every path keeps them: pages, admin, API, import, shell); bulk
# loads that bypass signals end with `manage.py rebuild_rollups`.


class ActivityMonth(models.Model):
    """How many activities of one kind a group logged in one month, and the people they
    reached."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    kind = models.CharField(max_length=30)
    count = models.PositiveIntegerField()
    reached = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "month", "kind"], name="objectives_activitymonth_once"
            ),
        ]
        # Covering: a network's months (of some kinds) are summed from the index alone.
        indexes = [
            models.Index(
                fields=["network", "month"],
                include=["group", "kind", "count"],
                name="objectives_actmonth_net_cover",
            ),
            models.Index(
                fields=["network", "kind", "month"],
                include=["group", "count"],
                name="objectives_actmonth_kind_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.month:%Y-%m} {self.kind}: {self.count}"


class ContributionMonth(models.Model):
    """How much a group's activities of one month contributed to one measure."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    # Wider than a contribution's amount: it sums many of them.
    amount = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "group", "month"], name="objectives_contributionmonth_once"
            ),
        ]
        indexes = [
            models.Index(fields=["group", "month"], name="objectives_contmonth_group_idx"),
            # Covering: a network's months of some measures are summed from the index alone.
            models.Index(
                fields=["network", "measure", "month"],
                include=["group", "amount"],
                name="objectives_contmonth_net_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.group_id} {self.month:%Y-%m}: {self.amount}"


class ReferralMonth(models.Model):
    """A group's referrals in one month, each figure counted in the month of its own day:
    how many were made (made day), how many served (served day) and the value closed
    (closed day)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    made = models.PositiveIntegerField()
    served = models.PositiveIntegerField()
    # Wider than a referral's closed value: it sums many of them.
    closed_value = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "month"], name="objectives_referralmonth_once"
            ),
        ]
        indexes = [
            models.Index(fields=["network", "month"], name="objectives_refmonth_net_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.month:%Y-%m}: {self.made} made, {self.served} served"


# The same three rollups summed over a network's groups: what a network-wide read (a
# network's total or month series, no group breakdown) sums instead of one row per group.
# Kept equal to the group rows by objectives.rollup, which recomputes a network's touched
# months from them in the same transaction, under the network's row lock.


class NetworkActivityMonth(models.Model):
    """How many activities of one kind a network's groups logged in one month."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    kind = models.CharField(max_length=30)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "month", "kind"], name="objectives_netactmonth_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id} {self.month:%Y-%m} {self.kind}: {self.count}"


class NetworkContributionMonth(models.Model):
    """How much a network's activities of one month contributed to one measure."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    amount = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "measure", "month"], name="objectives_netcontmonth_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.month:%Y-%m}: {self.amount}"


class NetworkReferralMonth(models.Model):
    """A network's referrals in one month, each figure in the month of its own day."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The month's first day.")
    made = models.PositiveIntegerField()
    served = models.PositiveIntegerField()
    closed_value = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "month"], name="objectives_netrefmonth_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.network_id} {self.month:%Y-%m}: {self.made} made, {self.served} served"


# ---------------------------------------------------------------- measure totals
#
# What every group has added to every counted or summed measure over all its days (from the
# objective's start for counts and referrals, as the engine counts them), with no end: the
# measure's value today, by group, is these rows when nothing is dated after today (no
# form or API accepts a future day), and the network's value is their sum. Without them, a
# measure's value by group today summed every month of history, group by group, on every
# page that shows it. Recomputed for the touched groups on every write that the monthly
# rollups follow, from those rollups (objectives.rollup), and for a measure's every group
# when the measure or its objective's start changes.


class MeasureTotal(models.Model):
    """What one group has added to one measure, over all its days."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "group"], name="objectives_measuretotal_once"
            ),
        ]
        indexes = [
            # A group's rows are replaced on every write of that group.
            models.Index(fields=["group", "measure"], name="objectives_meastotal_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} by {self.group_id}: {self.value}"


# ---------------------------------------------------------------- member rollups
#
# One row per person and network, for the network value page: whether the person is a
# member and their sector, the last day they led or joined an activity, and the referrals
# they gave and received. Counting active members, sectors or reciprocity from the raw rows
# reads every recent participant, every referral and every member of the network, joined;
# these rows are one narrow row per person. Kept equal to the raw rows on every write of an
# activity, its participants or a referral (objectives.rollup's member block, called from
# objectives.signals); bulk loads end with `manage.py rebuild_rollups`.


class MemberTotal(models.Model):
    """One person's totals in one network: whether they are a member (and their sector),
    the last day they led or joined an activity, and how many referrals they gave (as
    concierge) and received."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.BooleanField(default=False)
    sector = models.CharField(max_length=100, blank=True)
    last_active_on = models.DateField(null=True, blank=True)
    given = models.PositiveIntegerField(default=0)
    received = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "user"], name="objectives_membertotal_once"),
        ]
        indexes = [
            models.Index(fields=["network", "member"], name="objectives_memtotal_member_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.network_id}: {self.given} given, {self.received} received"
