"""Build the demo network: run it once or many times, it builds the network only once."""

import datetime as dt
import random
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Membership, Network, SoundBite, User
from objectives.models import CheckIn, Contribution, Measure, Objective
from objectives.services import reports_catch_up
from referrals.models import Client, Referral, Touchpoint
from referrals.services import feedback_record, referral_create, referral_move, touchpoint_add

DEMO_SLUG = "riverside"
DEMO_PASSWORD = "grove-demo"
LOGINS = [
    ("admin@grove.demo", "Ada Lovelace", "site admin"),
    ("organiser@grove.demo", "Olivia Okafor", "organiser"),
    ("gardener@grove.demo", "Gabriel Moreau", "gardener of Founders Circle (a CNG)"),
    ("member@grove.demo", "Maya Lindqvist", "member of Founders Circle and Green Teachers"),
]
FIRST = [
    "Aisha",
    "Ben",
    "Chen",
    "Dara",
    "Elif",
    "Femi",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Kofi",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tara",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adeyemi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Gupta",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Mensah",
    "Nakamura",
    "O'Neill",
    "Petrova",
]
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
ORGS = [
    "Riverside College",
    "Northgate Surgery",
    "Mill Street Accountants",
    "Harbour Tools",
    "City Council",
    "Food Bank Trust",
    "Loom Software",
    "Quayside Hotel",
    "St Anne's",
    "Corner Grocers",
    "Brightwater School",
    "Canal Credit Union",
    "Forge Makerspace",
]
GROUPS = [
    (
        "Founders Circle",
        "founders",
        "business",
        True,
        "Founders who bring each other clients and stay until they are served.",
    ),
    (
        "Green Teachers",
        "green-teachers",
        "education",
        False,
        "Teachers turning classrooms into climate labs.",
    ),
    (
        "Council Connectors",
        "council",
        "government",
        False,
        "Opening doors between the council and small firms.",
    ),
    (
        "Givers Table",
        "givers",
        "philanthropy",
        False,
        "Funders learning together where money does most good.",
    ),
    (
        "Supplier Guild",
        "suppliers",
        "suppliers",
        False,
        "Local suppliers sharing tenders and know-how.",
    ),
    (
        "Faith & Neighbours",
        "faith",
        "faith",
        False,
        "Congregations hosting support groups for newcomers.",
    ),
    (
        "Young Professionals",
        "young-pros",
        "employees",
        False,
        "Early-career staff mentoring each other.",
    ),
]
TITLES = {
    "meeting_hosted": ["Breakfast meetup", "Monthly roundtable", "Open evening"],
    "course_taught": ["Bookkeeping basics", "Pitching to funders", "Intro to grant writing"],
    "blog_written": ["What we learnt from our first tender", "Five intros that changed my year"],
    "expert_session": ["Ask-an-accountant hour", "Legal clinic", "Marketing surgery"],
    "support_group_formed": ["New founders support circle", "Carers at work group"],
    "survey_run": ["Member needs survey", "Newcomer barriers survey"],
    "new_group_started": ["Spin-off: food producers", "Spin-off: women in trades"],
    "introduction_made": ["Intro to a supplier", "Intro to a funder", "Intro to a mentor"],
    "other": ["Volunteer day", "Community clean-up"],
}


class Command(BaseCommand):
    help = "Load the Riverside Makers demo network (idempotent). Prints the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Delete and rebuild the demo.")

    def handle(self, *args: object, reset: bool = False, **options: object) -> None:
        existing = Network.objects.filter(slug=DEMO_SLUG).first()
        if existing and reset:
            self._delete(existing)
            existing = None
        if existing:
            self.stdout.write("The demo network exists already; nothing changed (use --reset).")
        else:
            try:
                with transaction.atomic():
                    network = self._build(random.Random(2026))
            finally:
                # _build lends simple-history a request to name the author; take it back.
                if hasattr(HistoricalRecords.context, "request"):
                    del HistoricalRecords.context.request
            self.stdout.write(self.style.SUCCESS(f"Built the demo network {network.name}."))
            self._after_build(network)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, _name, role in LOGINS:
            self.stdout.write(f"  {email:24} {role}")

    def _delete(self, network: Network) -> None:
        with transaction.atomic():
            # PROTECTed rows first, then the network cascades the rest.
            Referral.objects.filter(network=network).delete()
            Client.objects.filter(network=network).delete()
            Activity.objects.filter(network=network).delete()
            network.delete()
            User.objects.filter(email__endswith="@grove.demo").delete()

    def _after_build(self, network: Network) -> None:
        """Reports for the demo's past periods."""
        created = reports_catch_up(network=network)
        self.stdout.write(f"Wrote {created} progress reports for past periods.")

    def _build(self, rng: random.Random) -> Network:
        # One hash for every demo account: hashing 32 passwords would take seconds.
        password = make_password(DEMO_PASSWORD)
        people: list[User] = []
        for email, name, role in LOGINS:
            user = User.objects.create(
                email=email,
                password=password,
                name=name,
                organisation=rng.choice(ORGS),
                sector=rng.choice(SECTORS),
                expertise="Community building",
                is_staff=role == "site admin",
                is_superuser=role == "site admin",
            )
            if role != "site admin":
                people.append(user)
        names = rng.sample([f"{first} {last}" for first in FIRST for last in LAST], 28)
        for name in names:
            email = name.lower().replace(" ", ".").replace("'", "") + "@grove.demo"
            people.append(
                User.objects.create(
                    email=email,
                    password=password,
                    name=name,
                    organisation=rng.choice(ORGS),
                    sector=rng.choice(SECTORS),
                    expertise=rng.choice(
                        ["Tax", "Hiring", "Grants", "Sales", "Teaching", "Law", "Design"]
                    ),
                )
            )
        organiser, gardener, member = people[0], people[1], people[2]
        # simple-history takes each record's author from the current request, and a command
        # has none: lend it one, so the demo's history names who wrote it, not "Someone".
        HistoricalRecords.context.request = SimpleNamespace(user=organiser)
        today = timezone.localdate()
        network = Network.objects.create(
            name="Riverside Makers",
            slug=DEMO_SLUG,
            mission="Help 500 Riverside founders, teachers and neighbours reach a "
            "sustainable livelihood by 2028, measured by jobs kept and clients served.",
            vision="A town where nobody builds alone: every member one introduction "
            "away from the help they need.",
            report_cadence=Network.Cadence.MONTHLY,
            time_zone="Europe/London",
        )
        for position, text in enumerate(
            [
                "Nobody builds alone.",
                "One introduction a week.",
                "Bring a client, stay until they are served.",
                "Teach what you know.",
            ]
        ):
            SoundBite.objects.create(network=network, text=text, position=position)

        for person in people:
            Membership.objects.create(
                user=person,
                network=network,
                role=Membership.Role.ORGANISER if person == organiser else Membership.Role.MEMBER,
                joined_at=timezone.now() - dt.timedelta(days=200),
            )

        groups = []
        others = people[3:]
        for index, (name, slug, kind, is_cng, purpose) in enumerate(GROUPS):
            group = PeerGroup.objects.create(
                network=network, name=name, slug=slug, kind=kind, is_cng=is_cng, purpose=purpose
            )
            groups.append(group)
            lead = gardener if index == 0 else others[index]
            GroupMembership.objects.create(group=group, user=lead, role="gardener")
            pool = [p for p in others if p != lead]
            for person in rng.sample(pool, 6):
                GroupMembership.objects.get_or_create(group=group, user=person)
        GroupMembership.objects.get_or_create(group=groups[0], user=member)
        GroupMembership.objects.get_or_create(group=groups[1], user=member)
        GroupMembership.objects.get_or_create(group=groups[0], user=organiser)

        start = today - dt.timedelta(days=183)
        short_obj = Objective.objects.create(
            network=network,
            term="short",
            title="Grow peer learning this year",
            description="Every group teaches or hosts something each month.",
            starts_on=start,
            due_on=today + dt.timedelta(days=120),
        )
        short_obj2 = Objective.objects.create(
            network=network,
            term="short",
            title="Make referrals the habit of the CNG",
            description="Members bring clients and stay with them until served.",
            starts_on=start,
            due_on=today + dt.timedelta(days=60),
        )
        long_obj = Objective.objects.create(
            network=network,
            term="long",
            title="500 livelihoods sustained by 2028",
            description="Founders, teachers and neighbours reporting a sustainable income.",
            starts_on=today - dt.timedelta(days=365),
            due_on=dt.date(2028, 12, 31),
        )
        long_obj2 = Objective.objects.create(
            network=network,
            term="long",
            title="Reach 10,000 neighbours",
            description="People reached by courses, meetings and support groups.",
            starts_on=today - dt.timedelta(days=365),
            due_on=dt.date(2029, 6, 30),
        )
        Measure.objects.create(
            objective=short_obj,
            name="Courses and expert sessions held",
            unit="sessions",
            baseline=0,
            target=60,
            source="activity_count",
            activity_kinds=["course_taught", "expert_session"],
        )
        Measure.objects.create(
            objective=short_obj,
            name="Meetings hosted",
            unit="meetings",
            baseline=0,
            target=80,
            source="activity_count",
            activity_kinds=["meeting_hosted"],
        )
        Measure.objects.create(
            objective=short_obj2,
            name="Referrals made",
            unit="referrals",
            baseline=0,
            target=40,
            source="referrals_made",
        )
        Measure.objects.create(
            objective=short_obj2,
            name="Referrals served",
            unit="referrals",
            baseline=0,
            target=30,
            source="referrals_served",
        )
        Measure.objects.create(
            objective=short_obj2,
            name="Business closed through referrals",
            unit="£",
            baseline=0,
            target=100000,
            source="referrals_closed_value",
        )
        m_livelihoods = Measure.objects.create(
            objective=long_obj,
            name="Members reporting a sustainable income",
            unit="people",
            baseline=120,
            target=500,
            source="manual",
        )
        m_reach = Measure.objects.create(
            objective=long_obj2,
            name="Neighbours reached",
            unit="people",
            baseline=0,
            target=10000,
            source="activity_sum",
        )
        m_cost = Measure.objects.create(
            objective=long_obj,
            name="Average months to first client",
            unit="months",
            baseline=9,
            target=4,
            direction="decrease",
            source="manual",
        )

        for weeks_ago in range(26, -1, -4):
            day = today - dt.timedelta(weeks=weeks_ago)
            CheckIn.objects.create(
                measure=m_livelihoods,
                value=Decimal(150 + (26 - weeks_ago) * 4),
                recorded_on=day,
                recorded_by=organiser,
                note="From the quarterly member survey.",
            )
            # The network's figure is the organiser's; the gardener records the group's part.
            CheckIn.objects.create(
                measure=m_cost,
                value=Decimal("8.8") - Decimal(26 - weeks_ago) / 10,
                recorded_on=day,
                recorded_by=organiser,
                note="Median across the network, from new members' intake forms.",
            )
            CheckIn.objects.create(
                measure=m_cost,
                value=Decimal("8.5") - Decimal(26 - weeks_ago) / 10,
                recorded_on=day,
                recorded_by=gardener,
                group=groups[0],
                note="Median from the group's intake forms.",
            )

        members_of = {
            g.id: list(GroupMembership.objects.filter(group=g).values_list("user_id", flat=True))
            for g in groups
        }
        by_id = {p.id: p for p in people}
        for _ in range(320):
            group = rng.choice(groups)
            kind = rng.choice(list(TITLES))
            ids = members_of[group.id]
            lead = by_id[rng.choice(ids)]
            activity = Activity.objects.create(
                network=network,
                group=group,
                kind=kind,
                title=rng.choice(TITLES[kind]),
                occurred_on=today - dt.timedelta(days=rng.randint(0, 182)),
                people_reached=rng.randint(3, 60),
                led_by=lead,
                description="Logged by the demo loader.",
            )
            activity.participants.set(rng.sample(ids, min(len(ids), rng.randint(1, 4))))
            Contribution.objects.create(
                activity=activity, measure=m_reach, amount=activity.people_reached
            )

        cng = groups[0]
        cng_ids = members_of[cng.id]
        statuses = ["made", "accepted", "in_progress", "served", "closed", "declined"]
        for index in range(36):
            referrer_id, receiver_id = rng.sample(cng_ids, 2)
            made_on = today - dt.timedelta(days=rng.randint(1, 180))
            client = Client.objects.create(
                network=network,
                name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                organisation=rng.choice(ORGS),
                created_by_id=referrer_id,
                # Consent recorded, so the colleague and gardener see who the client is.
                consent=Client.Consent.SPOKEN,
                consent_at=timezone.now(),
                consent_recorded_by_id=referrer_id,
            )
            status = statuses[index % len(statuses)]
            referral = Referral.objects.create(
                network=network,
                group=cng,
                client=client,
                referrer_id=referrer_id,
                receiver_id=receiver_id,
                made_on=made_on,
                need=rng.choice(
                    [
                        "Needs a bookkeeper",
                        "Looking for premises",
                        "Wants a mentor",
                        "Needs a grant writer",
                        "Hiring an apprentice",
                    ]
                ),
                follow_up_on=made_on + dt.timedelta(days=14),
            )
            if status != "made":
                done = min(made_on + dt.timedelta(days=rng.randint(3, 30)), today)
                referral.change_status(status, by=by_id[referrer_id], on=done)
                if status == "closed":
                    referral.closed_value = Decimal(rng.randint(5, 60) * 250)
                    referral.client_feedback = "Looked after from first call to finish."
                    referral.client_rating = rng.randint(4, 5)
                    referral.save(
                        update_fields=["closed_value", "client_feedback", "client_rating"]
                    )
            Touchpoint.objects.create(
                referral=referral,
                author_id=referrer_id,
                happened_on=made_on,
                note="Called the client to introduce the receiver.",
            )
            Referral.objects.filter(pk=referral.pk).update(
                last_touch_on=made_on, first_touch_on=made_on
            )
        self._live_referrals(cng, member, gardener, [by_id[i] for i in cng_ids])
        return network

    def _live_referrals(self, cng: Any, member: User, gardener: User, people: list[User]) -> None:
        """A few referrals of today for the demo logins, through the same services the pages
        use: one at each step, with touchpoints, so every board column and the
        notifications have something in them."""
        other = next(p for p in people if p.pk not in (member.pk, gardener.pk))
        today = cng.network.today()

        def refer(referrer: User, receiver: User, name: str, need: str) -> Any:
            return referral_create(
                group=cng,
                referrer=referrer,
                receiver=receiver,
                need=need,
                client_details={
                    "name": name,
                    "organisation": "Riverside Bakery",
                    "email": f"{name.split()[0].lower()}@client.example",
                    "phone": "01632 960 123",
                    "notes": "Prefers a call in the morning.",
                },
                consent="spoken",
            )

        def touch(referral: Any, note: str) -> None:
            touchpoint_add(referral=referral, author=referral.referrer, kind="client",
                           note=note, happened_on=today)  # fmt: skip

        refer(member, gardener, "Priya Natarajan", "Needs an accountant who knows bakeries.")
        accepted = refer(gardener, member, "Tom Adebayo", "Wants a mentor for a first hire.")
        referral_move(referral=accepted, to="accepted", by=member)
        touch(accepted, "Told Tom that Maya accepted; they meet next week.")
        working = refer(member, other, "Lena Fischer", "Looking for premises near the river.")
        referral_move(referral=working, to="accepted", by=other)
        referral_move(referral=working, to="in_progress", by=other)
        touch(working, "Lena has seen two units; she is happy so far.")
        served = refer(member, gardener, "Sam O'Neill", "Needs a grant writer for a bid.")
        for step in ("accepted", "in_progress", "served"):
            referral_move(referral=served, to=step, by=gardener)
        touch(served, "Sam says the bid went in on time.")
        feedback_record(referral=served, by=member, rating=5, comment="Quick and kind.")
        closed = refer(gardener, member, "Rosa Lima", "Hiring an apprentice baker.")
        for step in ("accepted", "in_progress", "served"):
            referral_move(referral=closed, to=step, by=member)
        referral_move(referral=closed, to="closed", by=member, value=Decimal(4500),
                      thanks="Thank you, Gabriel: Rosa hired two apprentices.")  # fmt: skip
