"""Recompute the monthly rollups from the raw activities, contributions and referrals."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from networks.models import Network
from objectives import rollup
from referrals.models import Referral


class Command(BaseCommand):
    help = (
        "Recompute the monthly rollups of activities, contributions and referrals, the "
        "member totals and each referral's first-touch day (all networks, or one) from the "
        "raw rows: after bulk loads that bypass the app, or to check them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", metavar="SLUG", help="Only this network.")

    def handle(self, *args: object, **options: object) -> None:
        network = None
        if options["network"]:
            network = Network.objects.filter(slug=options["network"]).first()
            if network is None:
                raise CommandError(f"No network with the slug {options['network']!r}.")
        activities, contributions, referrals = rollup.rebuild(network=network)
        people = rollup.rebuild_people(network=network)
        referrals_of = Referral.objects.all() if network is None else network.referrals.all()
        first_touches = referrals_of.refresh_first_touch()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {activities} activity, {contributions} contribution and "
                f"{referrals} referral month(s), {people} member total(s) and "
                f"{first_touches} referral first-touch day(s)."
            )
        )
