"""Write progress reports by hand, the same way the Celery job does, synchronously."""

import datetime as dt
import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from networks.models import Network
from objectives import services
from objectives.figures import period_containing

PROGRESS_BAR_FROM = 20  # groups; fewer finish before a bar would help


class Command(BaseCommand):
    help = (
        "Write the missing progress reports of closed periods (all networks, or one). "
        "With --period-end, only the period ending on that day. Existing reports are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--network", metavar="SLUG", help="Only this network.")
        parser.add_argument(
            "--period-end",
            metavar="YYYY-MM-DD",
            help="The last day of the period to report (any day of it selects the period).",
        )
        parser.add_argument(
            "--no-deliver", action="store_true", help="Write reports without mailing anyone."
        )

    def handle(self, *args: object, **options: object) -> None:
        networks = Network.objects.order_by("slug")
        if options["network"]:
            networks = networks.filter(slug=options["network"])
            if not networks.exists():
                raise CommandError(f"No network with the slug {options['network']!r}.")
        day = None
        if options["period_end"]:
            try:
                day = dt.date.fromisoformat(str(options["period_end"]))
            except ValueError:
                raise CommandError(
                    f"--period-end {options['period_end']!r} is not a date like 2026-03-31."
                )
        deliver = not options["no_deliver"]
        total = 0
        for network in networks:
            if day is None:
                periods = services.periods_due(network)
            else:
                # Refused before any period arithmetic: year 1 or 9999 would overflow it.
                earliest = network.earliest_record_day()
                if day < earliest:
                    raise CommandError(
                        f"--period-end {day} is before {network.slug}'s records begin "
                        f"({earliest}); give a later day."
                    )
                if day > network.today():
                    raise CommandError(
                        f"--period-end {day} is in the future for {network.slug} "
                        f"(today there is {network.today()}): its period has not closed yet."
                    )
                period = period_containing(network, day)
                if period.end > network.today():
                    raise CommandError(f"The period {period} of {network.slug} has not closed yet.")
                periods = [period]
            for period in periods:
                created = services.reports_for_period(
                    network=network,
                    period_start=period.start,
                    period_end=period.end,
                    # Only the latest closed period is mailed, by hand as by beat.
                    deliver=deliver and services.mails_period(network, period),
                    progress=self._bar(f"{network.slug} {period.start}"),
                )
                total += created
                self.stdout.write(f"{network.slug}: {period}: {created} report(s) written.")
        self.stdout.write(self.style.SUCCESS(f"Done: {total} report(s) written."))

    def _bar(self, label: str) -> Callable[[int, int], None]:
        """A progress callback drawing a bar once the period covers many groups."""
        bar: list[tqdm] = []

        def progress(done: int, total: int) -> None:
            if total < PROGRESS_BAR_FROM:
                return
            if not bar:
                bar.append(tqdm(total=total, desc=label, unit="group", file=sys.stderr))
            bar[0].update(done - bar[0].n)
            if done >= total:
                bar[0].close()

        return progress
