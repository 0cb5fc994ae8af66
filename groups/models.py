from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from networks.models import Network


def _count(qs: models.QuerySet) -> Coalesce:
    counted = qs.order_by().values("group").annotate(n=models.Count("pk")).values("n")
    return Coalesce(models.Subquery(counted, output_field=models.IntegerField()), 0)


class PeerGroupQuerySet(models.QuerySet["PeerGroup"]):
    def active(self) -> "PeerGroupQuerySet":
        """Groups not archived: the ones pages list and people join."""
        return self.filter(archived_at__isnull=True)

    def with_counts(self) -> "PeerGroupQuerySet":
        """`member_count` and `activity_count`, each its own subquery: counting both
        relations in one join would multiply memberships by activities."""
        activities = Activity.objects.filter(group=models.OuterRef("pk"))
        return self.with_member_count().annotate(activity_count=_count(activities))

    def with_member_count(self) -> "PeerGroupQuerySet":
        members = GroupMembership.objects.filter(group=models.OuterRef("pk"))
        return self.annotate(member_count=_count(members))

    def with_gardeners(self) -> "PeerGroupQuerySet":
        """Each group's gardener memberships (with users) as `gardener_memberships`."""
        gardeners = GroupMembership.objects.filter(
            role=GroupMembership.Role.GARDENER
        ).select_related("user")
        return self.prefetch_related(
            models.Prefetch("memberships", gardeners, to_attr="gardener_memberships")
        )


class PeerGroup(models.Model):
    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        GOVERNMENT = "government", "Government"
        EDUCATION = "education", "Education"
        PHILANTHROPY = "philanthropy", "Philanthropy"
        CUSTOMERS = "customers", "Customers"
        SUPPLIERS = "suppliers", "Suppliers"
        EMPLOYEES = "employees", "Employees"
        FAITH = "faith", "Faith-based"
        SPECIAL_INTEREST = "special_interest", "Special interest"
        OTHER = "other", "Other"

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SPECIAL_INTEREST)
    purpose = models.CharField(
        max_length=200, blank=True, help_text="The group's sound bite: why it exists, in a line."
    )
    is_cng = models.BooleanField(
        "collaborative network group",
        default=False,
        help_text="Members bring clients and stay with them, like a concierge, until served.",
    )
    follow_up_days = models.PositiveSmallIntegerField(
        "follow-up interval (days)",
        default=7,
        db_default=7,
        help_text="A referral with no touchpoint for this long is overdue: its concierge is "
        "reminded, and after two intervals the gardener is told.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = PeerGroupQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "slug"], name="groups_peergroup_slug_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(follow_up_days__gte=1) & models.Q(follow_up_days__lte=90),
                name="groups_peergroup_follow_up_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "groups:detail", kwargs={"network_slug": self.network.slug, "group_slug": self.slug}
        )

    def gardeners(self) -> models.QuerySet:
        return self.memberships.filter(role=GroupMembership.Role.GARDENER)


class GroupMembership(models.Model):
    class Role(models.TextChoices):
        GARDENER = "gardener", "Gardener"
        MEMBER = "member", "Member"

    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="groups_groupmembership_once"),
        ]
        indexes = [
            # The console's idle members: a page of groups' memberships in the order they
            # are listed, read from the index alone (sorting them took 4 ms).
            models.Index(
                fields=["group", "-role", "joined_at", "id"],
                include=["user"],
                name="groups_membership_order_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.get_role_display()})"


class ActivityQuerySet(models.QuerySet["Activity"]):
    def for_network(self, network: Network) -> "ActivityQuerySet":
        return self.filter(network=network)

    def in_period(self, start: date, end: date) -> "ActivityQuerySet":
        """Activities on days start <= day < end."""
        return self.filter(occurred_on__gte=start, occurred_on__lt=end)

    def with_list_relations(self) -> "ActivityQuerySet":
        """The group, leader and participants an activity card shows, in a fixed number of
        queries. What it contributed to measures is objectives' data: pages that show it
        prefetch "contributions" themselves."""
        return self.select_related("group", "led_by").prefetch_related("participants")

    def involving(self, user_id: int) -> "ActivityQuerySet":
        """Activities the person led or took part in."""
        joined = Activity.participants.through.objects.filter(user_id=user_id).values("activity_id")
        return self.filter(Q(led_by_id=user_id) | Q(pk__in=joined))


class Activity(models.Model):
    """Something a group did toward the objectives: the "do stuff" of a peer group."""

    class Kind(models.TextChoices):
        MEETING_HOSTED = "meeting_hosted", "Meeting hosted"
        COURSE_TAUGHT = "course_taught", "Course taught"
        BLOG_WRITTEN = "blog_written", "Blog written"
        EXPERT_SESSION = "expert_session", "Expert session"
        SUPPORT_GROUP_FORMED = "support_group_formed", "Support group formed"
        SURVEY_RUN = "survey_run", "Survey run"
        NEW_GROUP_STARTED = "new_group_started", "New group started"
        INTRODUCTION_MADE = "introduction_made", "Introduction made"
        OTHER = "other", "Other"

    # network is the group's network, stored again so network-wide reports need no join.
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="activities")
    group = models.ForeignKey(PeerGroup, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=4000, blank=True)
    occurred_on = models.DateField()
    people_reached = models.IntegerField(default=0)
    led_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="activities_led"
    )
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="activities_joined", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(people_reached__gte=0),
                name="groups_activity_people_reached_non_negative",
            ),
        ]
        indexes = [
            models.Index(fields=["network", "occurred_on"], name="groups_activity_net_day_idx"),
            # The log's order (newest first, then by id): a page reads its 25 rows in index
            # order, where the day index alone sorted a whole day's activities first.
            models.Index(
                fields=["network", "-occurred_on", "-id"], name="groups_activity_net_order_idx"
            ),
            models.Index(fields=["group", "occurred_on"], name="groups_activity_group_day_idx"),
            models.Index(
                fields=["network", "kind", "occurred_on"], name="groups_activity_kind_day_idx"
            ),
            models.Index(fields=["led_by", "occurred_on"], name="groups_activity_lead_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_kind_display()}, {self.occurred_on})"
