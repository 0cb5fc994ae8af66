"""Large, deterministic data for benchmarks: one network with many groups, members,
activities and referrals spread over a number of years.

On PostgreSQL the big tables are loaded with COPY (psycopg's `cursor.copy`), elsewhere
with `bulk_create`. Primary keys of the rows that others point to are reserved up front
from the table's sequence, so child rows can be written without reading anything back.

    python manage.py seed_scale --groups 200 --members 20000 --activities 1000000 \
        --referrals 100000 --years 2 --network scale
"""

import datetime as dt
import hashlib
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.utils import timezone

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Invitation, Membership, Network, User
from objectives import rollup
from objectives.models import CheckIn, Contribution, Measure, Objective
from referrals.models import Client, Referral, Touchpoint

KINDS = [kind for kind, _ in Activity.Kind.choices]
GROUP_KINDS = [kind for kind, _ in PeerGroup.Kind.choices]
SECTORS = [
    "Education",
    "Health",
    "Finance",
    "Manufacturing",
    "Public sector",
    "Charity",
    "Technology",
    "Hospitality",
    "Faith community",
    "Retail",
]
# Referral outcomes, weighted roughly like a working CNG.
STATUSES = ["made", "accepted", "in_progress", "served", "closed", "declined"]
STATUS_WEIGHTS = [10, 10, 15, 25, 30, 10]
BATCH = 5000


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[models.Model], count: int) -> int:
    """Claim `count` consecutive primary keys for `model` and return the first one."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if _is_postgres():
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s)", [sequence])
            first = cursor.fetchone()[0]
            if count > 1:
                cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
            return first
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return cursor.fetchone()[0]


def write_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert plain tuples into the model's table: COPY on PostgreSQL, bulk_create elsewhere."""
    table = model._meta.db_table
    written = 0
    if _is_postgres():
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    attnames = [c if c == "id" else model._meta.get_field(c).attname for c in columns]  # type: ignore[union-attr]
    batch: list[models.Model] = []
    for row in rows:
        batch.append(model(**dict(zip(attnames, row, strict=True))))
        if len(batch) >= BATCH:
            model._default_manager.bulk_create(batch, batch_size=BATCH)
            written += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch, batch_size=BATCH)
        written += len(batch)
    return written


class Command(BaseCommand):
    help = "Create a large, deterministic network for benchmarks (bulk inserts / COPY)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--groups", type=int, default=20)
        parser.add_argument("--members", type=int, default=500)
        parser.add_argument("--activities", type=int, default=10_000)
        parser.add_argument("--referrals", type=int, default=1_000)
        parser.add_argument("--years", type=int, default=1)
        parser.add_argument("--network", default="scale", help="Slug of the network to create.")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--end",
            type=dt.date.fromisoformat,
            default=None,
            help="Last day of data + 1 (YYYY-MM-DD); today by default. Fix it for identical runs.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        groups, members = options["groups"], options["members"]
        if groups < 1 or members < 2 or options["years"] < 1:
            raise CommandError("Need at least 1 group, 2 members and 1 year.")
        if options["activities"] < 0 or options["referrals"] < 0:
            raise CommandError("Counts cannot be negative.")
        slug = options["network"]
        if Network.objects.filter(slug=slug).exists():
            raise CommandError(f"Network {slug!r} already exists; choose another --network.")
        self.rng = random.Random(options["seed"])
        self.end = options["end"] or timezone.localdate()
        self.start = self.end - dt.timedelta(days=365 * options["years"])
        self.now = timezone.now()
        started = time.perf_counter()
        with transaction.atomic():
            network = self._network(slug)
            self._step("members", lambda: self._members(network, members))
            self._step("groups", lambda: self._groups(network, groups))
            self._step("objectives", lambda: self._objectives(network, options))
            self._step("activities", lambda: self._activities(network, options["activities"]))
            self._step("referrals", lambda: self._referrals(network, options["referrals"]))
            self._step("check-ins and invitations", lambda: self._manual(network))
            # COPY bypasses the signals that keep the monthly rollups.
            self._step("rollups", lambda: sum(rollup.rebuild(network=network)))
            self._step("member totals", lambda: rollup.rebuild_people(network=network))
        if _is_postgres():
            self._step("analyze", self._analyze)
        self.stdout.write(f"seed_scale: {slug} done in {time.perf_counter() - started:.1f}s")

    def _step(self, name: str, work: Any) -> None:
        started = time.perf_counter()
        result = work()
        extra = f" ({result:,} rows)" if isinstance(result, int) else ""
        self.stdout.write(f"  {name}{extra}: {time.perf_counter() - started:.1f}s")

    def _network(self, slug: str) -> Network:
        return Network.objects.create(
            name=f"Scale network {slug}",
            slug=slug,
            mission="Grow a thousand thriving local enterprises.",
            vision="Nobody starts alone.",
            report_cadence=Network.Cadence.MONTHLY,
            time_zone="Europe/London",
        )

    def _members(self, network: Network, count: int) -> int:
        rng = self.rng
        password = make_password("grove-demo")
        first_user = reserve_ids(User, count)
        self.user_ids = list(range(first_user, first_user + count))
        joined = self.now - dt.timedelta(days=400)
        users = (
            (
                uid,
                password,
                False,
                f"{network.slug}-{i}@bench.grove",
                f"Member {i}",
                f"Org {i % 997}",
                rng.choice(SECTORS),
                "",
                False,
                True,
                joined,
            )
            for i, uid in enumerate(self.user_ids)
        )
        written = write_rows(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "email",
                "name",
                "organisation",
                "sector",
                "expertise",
                "is_staff",
                "is_active",
                "date_joined",
            ],
            users,
        )
        # The first two people organise; everyone else is a member.
        memberships = (
            (
                network.id,
                uid,
                Membership.Role.ORGANISER if i < 2 else Membership.Role.MEMBER,
                Membership.Delivery.EVERY,
                joined,
            )
            for i, uid in enumerate(self.user_ids)
        )
        write_rows(
            Membership,
            ["network_id", "user_id", "role", "report_delivery", "joined_at"],
            memberships,
        )
        return written

    def _groups(self, network: Network, count: int) -> int:
        rng = self.rng
        created = self.now - dt.timedelta(days=365 * 3)
        groups = PeerGroup.objects.bulk_create(
            [
                PeerGroup(
                    network=network,
                    name=f"Group {i:04d}",
                    slug=f"group-{i:04d}",
                    kind=GROUP_KINDS[i % len(GROUP_KINDS)],
                    purpose="Help each other grow.",
                    is_cng=i % 2 == 0,
                    created_at=created,
                )
                for i in range(count)
            ],
            batch_size=BATCH,
        )
        self.groups = groups
        self.group_members: dict[int, list[int]] = {g.id: [] for g in groups}
        # Everyone but the organisers is in one group in turn, and some in one or two more.
        for i, uid in enumerate(self.user_ids[2:]):
            chosen = {groups[i % count].id}
            for _ in range(rng.choice((0, 0, 1, 2))):
                chosen.add(rng.choice(groups).id)
            for gid in chosen:
                self.group_members[gid].append(uid)
        rows = []
        for gid, uids in self.group_members.items():
            for position, uid in enumerate(uids):
                role = (
                    GroupMembership.Role.GARDENER if position == 0 else GroupMembership.Role.MEMBER
                )
                rows.append((gid, uid, role, created))
        return write_rows(GroupMembership, ["group_id", "user_id", "role", "joined_at"], rows)

    def _objectives(self, network: Network, options: dict[str, Any]) -> int:
        starts = self.start.replace(day=1)
        due = self.end + dt.timedelta(days=180)
        activities, referrals = max(options["activities"], 1), max(options["referrals"], 1)
        reach = Objective.objects.create(
            network=network,
            title="Reach more people through peer learning",
            term=Objective.Term.LONG,
            starts_on=starts,
            due_on=due,
        )
        referral_obj = Objective.objects.create(
            network=network,
            title="Serve clients through concierge referrals",
            term=Objective.Term.LONG,
            starts_on=starts,
            due_on=due,
        )
        short = Objective.objects.create(
            network=network,
            title="Members report new clients",
            term=Objective.Term.SHORT,
            starts_on=max(starts, self.end - dt.timedelta(days=180)),
            due_on=self.end + dt.timedelta(days=90),
        )

        def measure(
            objective: Objective, name: str, source: str, target: float, **kw: Any
        ) -> Measure:
            return Measure.objects.create(
                objective=objective,
                name=name,
                source=source,
                baseline=Decimal(0),
                target=Decimal(max(int(target), 1)),
                **kw,
            )

        self.m_courses = measure(
            reach,
            "Courses and expert sessions",
            Measure.Source.ACTIVITY_COUNT,
            activities * 0.25,
            unit="sessions",
            activity_kinds=["course_taught", "expert_session"],
        )
        self.m_reach = measure(
            reach, "People reached", Measure.Source.ACTIVITY_SUM, activities * 8, unit="people"
        )
        self.m_hours = measure(
            reach, "Volunteer hours", Measure.Source.ACTIVITY_SUM, activities * 1.2, unit="hours"
        )
        measure(referral_obj, "Referrals made", Measure.Source.REFERRALS_MADE, referrals * 1.1)
        measure(referral_obj, "Referrals served", Measure.Source.REFERRALS_SERVED, referrals * 0.7)
        measure(
            referral_obj,
            "Closed business value",
            Measure.Source.REFERRALS_CLOSED_VALUE,
            referrals * 3000,
            unit="£",
        )
        self.m_manual = measure(
            short, "Members reporting new clients", Measure.Source.MANUAL, 500, unit="members"
        )
        return 7

    def _activities(self, network: Network, count: int) -> int:
        rng = self.rng
        span = (self.end - self.start).days
        first = reserve_ids(Activity, count) if count else 0
        group_ids = [g.id for g in self.groups if self.group_members[g.id]]
        if not group_ids:
            return 0
        participants: list[tuple[int, int]] = []
        contributions: list[tuple[int, int, Decimal]] = []
        reach_id, hours_id = self.m_reach.id, self.m_hours.id
        days = [self.start + dt.timedelta(days=d) for d in range(span)]
        # In day order, as a live network logs them: the table then lies as production's
        # does, a period's rows together. Random order spread every month over all of the
        # table's pages, so that reading one month cost more the more history there was.
        drawn = sorted(rng.randrange(span) for _ in range(count))

        def rows() -> Iterator[tuple[Any, ...]]:
            for n in range(count):
                aid = first + n
                gid = group_ids[n % len(group_ids)] if n < len(group_ids) else rng.choice(group_ids)
                uids = self.group_members[gid]
                kind = KINDS[rng.randrange(len(KINDS))]
                reached = rng.randrange(0, 40)
                day = days[drawn[n]]
                for uid in rng.sample(uids, min(len(uids), rng.randrange(0, 4))):
                    participants.append((aid, uid))
                # A share of activities counts toward the summed measures.
                if rng.random() < 0.3:
                    contributions.append((aid, reach_id, Decimal(reached)))
                if rng.random() < 0.2:
                    contributions.append((aid, hours_id, Decimal(rng.randrange(1, 9))))
                yield (
                    aid,
                    network.id,
                    gid,
                    kind,
                    f"{kind.replace('_', ' ').capitalize()} #{n}",
                    "",
                    day,
                    reached,
                    uids[rng.randrange(len(uids))],
                    self.now,
                )

        written = write_rows(
            Activity,
            [
                "id",
                "network_id",
                "group_id",
                "kind",
                "title",
                "description",
                "occurred_on",
                "people_reached",
                "led_by_id",
                "created_at",
            ],
            rows(),
        )
        through = Activity.participants.through
        write_rows(through, ["activity_id", "user_id"], participants)
        write_rows(Contribution, ["activity_id", "measure_id", "amount"], contributions)
        return written

    def _referrals(self, network: Network, count: int) -> int:
        rng = self.rng
        cngs = [g.id for g in self.groups if g.is_cng and len(self.group_members[g.id]) >= 2]
        if not cngs or not count:
            return 0
        span = (self.end - self.start).days
        first_client = reserve_ids(Client, count)
        first_referral = reserve_ids(Referral, count)
        last_day = self.end - dt.timedelta(days=1)
        referrals: list[tuple] = []
        clients: list[tuple] = []
        touchpoints: list[tuple] = []
        made_days = sorted(rng.randrange(span) for _ in range(count))  # in day order too
        for n in range(count):
            gid = cngs[rng.randrange(len(cngs))]
            referrer, receiver = rng.sample(self.group_members[gid], 2)
            made = self.start + dt.timedelta(days=made_days[n])
            status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
            served = closed = value = rating = follow_up = None
            if status in ("served", "closed"):
                served = min(made + dt.timedelta(days=rng.randrange(1, 60)), last_day)
                rating = rng.choice((None, 3, 4, 4, 5, 5))
            if status == "closed" and served is not None:
                closed = min(served + dt.timedelta(days=rng.randrange(0, 30)), last_day)
                value = Decimal(rng.randrange(500, 20_000))
            if status in ("made", "accepted", "in_progress"):
                follow_up = made + dt.timedelta(days=14)
            answered = None if status == "made" else min(made + dt.timedelta(days=1), last_day)
            declined_reason = "No capacity this month." if status == "declined" else ""
            touches = [
                min(made + dt.timedelta(days=3 * (t + 1)), last_day)
                for t in range(rng.randrange(0, 3))
            ]
            cid = first_client + n
            clients.append((cid, network.id, f"Client {n}", "", "", "", referrer, self.now))
            rid = first_referral + n
            referrals.append(
                (
                    rid,
                    network.id,
                    gid,
                    cid,
                    referrer,
                    receiver,
                    "Needs help from someone who knows the field.",
                    status,
                    made,
                    follow_up,
                    served,
                    closed,
                    value,
                    "",
                    rating,
                    answered,
                    declined_reason,
                    max(touches, default=None),
                    min(touches, default=None),
                )
            )
            for happened in touches:
                touchpoints.append(
                    (rid, referrer, "Checked in with the client.", happened, self.now)
                )
        write_rows(
            Client,
            [
                "id",
                "network_id",
                "name",
                "organisation",
                "email",
                "phone",
                "created_by_id",
                "created_at",
            ],
            clients,
        )
        written = write_rows(
            Referral,
            [
                "id",
                "network_id",
                "group_id",
                "client_id",
                "referrer_id",
                "receiver_id",
                "need",
                "status",
                "made_on",
                "follow_up_on",
                "served_on",
                "closed_on",
                "closed_value",
                "client_feedback",
                "client_rating",
                "answered_on",
                "declined_reason",
                "last_touch_on",
                "first_touch_on",
            ],
            referrals,
        )
        write_rows(
            Touchpoint,
            ["referral_id", "author_id", "note", "happened_on", "created_at"],
            touchpoints,
        )
        return written

    def _manual(self, network: Network) -> int:
        rng = self.rng
        rows = []
        month = self.m_manual.objective.starts_on
        while month < self.end:
            for group in self.groups[:20]:
                rows.append(
                    (self.m_manual.id, group.id, Decimal(rng.randrange(0, 30)), "", month, self.now)
                )
            month = (month + dt.timedelta(days=32)).replace(day=1)
        written = write_rows(
            CheckIn, ["measure_id", "group_id", "value", "note", "recorded_on", "created_at"], rows
        )
        expires = self.now + dt.timedelta(days=14)
        invitations = [
            (
                network.id,
                group.id,
                f"invitee{i}.{group.slug}@{network.slug}.bench.grove",
                Invitation.Role.MEMBER,
                hashlib.sha256(f"{network.slug}/{group.id}/{i}".encode()).hexdigest(),
                self.now,
                expires,
            )
            for group in self.groups
            for i in range(2)
        ]
        write_rows(
            Invitation,
            ["network_id", "group_id", "email", "role", "token_hash", "created_at", "expires_at"],
            invitations,
        )
        return written

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
