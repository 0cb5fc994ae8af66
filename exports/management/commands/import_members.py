from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from exports.services import import_plan, members_import
from networks.models import Membership, Network, User


class Command(BaseCommand):
    help = (
        "Import members from a CSV with the member directory's columns (name, email, "
        "organisation, sector, expertise, groups, role): every row or none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--network", required=True, help="The network's slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would happen; write nothing."
        )
        parser.add_argument(
            "--invited-by",
            help="The email of the organiser the invitations come from (default: the "
            "network's first organiser).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        network = Network.objects.filter(slug=options["network"]).first()
        if network is None:
            raise CommandError(f"No network with the slug {options['network']!r}.")
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.")
        plan = import_plan(network=network, content=content)
        for line, message in plan.errors:
            self.stderr.write(f"{path}:{line}: {message}")
        if plan.errors:
            raise CommandError(f"{len(plan.errors)} problem(s); nothing was imported.")
        self.stdout.write(
            f"{len(plan.rows)} rows: {len(plan.new_people)} new people, "
            f"{len(plan.joining)} existing people joining, {len(plan.members)} members already "
            f"here, {len(plan.group_places)} places in groups, "
            f"{len(plan.invitations)} invitations."
        )
        if options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")
            return
        members_import(network=network, plan=plan, invited_by=self._inviter(network, options))
        self.stdout.write(self.style.SUCCESS("Imported."))

    def _inviter(self, network: Network, options: dict[str, Any]) -> User:
        memberships = Membership.objects.filter(network=network).select_related("user")
        if options["invited_by"]:
            found = memberships.filter(user__email__iexact=options["invited_by"]).first()
            if found is None:
                raise CommandError(f"{options['invited_by']} is not in {network.name}.")
            return found.user
        first = memberships.filter(role=Membership.Role.ORGANISER).order_by("joined_at").first()
        if first is None:
            raise CommandError("The network has no organiser; pass --invited-by.")
        return first.user
