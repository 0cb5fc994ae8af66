import datetime as dt
from decimal import Decimal

import factory
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from exports.models import ExportJob, MemberImport
from groups.models import Activity, GroupMembership, PeerGroup
from networks.models import Invitation, Membership, Network, SoundBite, User
from objectives.models import CheckIn, Contribution, Measure, Objective, ProgressReport
from referrals.models import Client, Referral, Touchpoint

PASSWORD = "grove-test-pass-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    name = factory.Sequence(lambda n: f"Person {n}")
    organisation = "Acme Ltd"
    sector = "Education"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")
    mission = "Double the number of local businesses that thrive past year five."
    vision = "A town where no founder works alone."


class SoundBiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SoundBite

    network = factory.SubFactory(NetworkFactory)
    text = factory.Sequence(lambda n: f"Sound bite {n}")
    position = factory.Sequence(int)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    network = factory.SubFactory(NetworkFactory)
    role = Membership.Role.MEMBER


class PeerGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeerGroup

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")
    kind = PeerGroup.Kind.BUSINESS
    purpose = "Help each other win work."


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(PeerGroupFactory)
    user = factory.SubFactory(UserFactory)
    role = GroupMembership.Role.MEMBER


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Activity

    group = factory.SubFactory(PeerGroupFactory)
    network = factory.SelfAttribute("group.network")
    kind = Activity.Kind.MEETING_HOSTED
    title = factory.Sequence(lambda n: f"Activity {n}")
    occurred_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=3))
    people_reached = 10
    led_by = factory.SubFactory(UserFactory)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    network = factory.SubFactory(NetworkFactory)
    title = factory.Sequence(lambda n: f"Objective {n}")
    term = Objective.Term.SHORT
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=90))
    due_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measure

    objective = factory.SubFactory(ObjectiveFactory)
    name = factory.Sequence(lambda n: f"Measure {n}")
    unit = "members"
    baseline = Decimal("0")
    target = Decimal("100")
    direction = Measure.Direction.INCREASE
    source = Measure.Source.MANUAL


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    measure = factory.SubFactory(MeasureFactory)
    value = Decimal("10")
    recorded_on = factory.LazyFunction(timezone.localdate)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    activity = factory.SubFactory(ActivityFactory)
    measure = factory.SubFactory(MeasureFactory)
    amount = Decimal("1")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Client {n}")
    created_by = factory.SubFactory(UserFactory)


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    group = factory.SubFactory(PeerGroupFactory, is_cng=True)
    network = factory.SelfAttribute("group.network")
    client = factory.SubFactory(ClientFactory, network=factory.SelfAttribute("..network"))
    referrer = factory.SubFactory(UserFactory)
    receiver = factory.SubFactory(UserFactory)
    need = "Needs an accountant who knows charities."


class TouchpointFactory(factory.django.DjangoModelFactory):
    """A concierge's touchpoint written straight to the table (touchpoint_add refuses the
    finished or back-dated referrals tests set up), with the referral's first and last touch
    days kept as touchpoint_add keeps them."""

    class Meta:
        model = Touchpoint
        skip_postgeneration_save = True  # the hook writes the referral, not the touchpoint

    referral = factory.SubFactory(ReferralFactory)
    author = factory.SelfAttribute("referral.referrer")
    note = "Called the client."
    happened_on = factory.LazyFunction(dt.date.today)

    @factory.post_generation
    def touch_days(self, create: bool, extracted: object, **kwargs: object) -> None:
        this = Referral.objects.filter(pk=self.referral_id)
        this.refresh_first_touch()
        day = Value(self.happened_on)
        this.update(last_touch_on=Coalesce(Greatest("last_touch_on", day), day))
        self.referral.refresh_from_db(fields=["first_touch_on", "last_touch_on"])


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressReport

    group = factory.SubFactory(PeerGroupFactory)
    network = factory.SelfAttribute("group.network")
    period_start = dt.date(2026, 9, 1)
    period_end = dt.date(2026, 10, 1)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    network = factory.SubFactory(NetworkFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Invitation.Role.MEMBER
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=14))


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    network = factory.SubFactory(NetworkFactory)
    owner = factory.SubFactory(UserFactory)
    kind = "activities"
    format = "csv"
    title = "Activity log"
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=72))


class MemberImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MemberImport

    network = factory.SubFactory(NetworkFactory)
    owner = factory.SubFactory(UserFactory)
    file_name = "members.csv"
    content = "name,email\nNew Person,new.person@example.org\n"
    rows_total = 1
