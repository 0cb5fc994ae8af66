"""Background exports and the member import.

An export over settings.EXPORT_BACKGROUND_ROWS becomes an ExportJob: a Celery task writes
its file to MEDIA_ROOT, counting rows as it goes, mails the owner a link and keeps the
file for settings.EXPORT_KEEP_HOURS. The member import plans a whole file first (every
bad row with its line number, nothing written), then writes all of it in one transaction;
invitations go out after the commit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.http import QueryDict
from django.utils import timezone

from exports import kinds
from exports.formats import FORMATS, write_csv, write_xlsx
from exports.models import ExportJob, MemberImport, Status
from exports.pdf import reports_pdf
from groups.models import GroupMembership, PeerGroup
from networks.models import Membership, Network, User
from networks.policy import Access
from networks.services import invitation_create

Progress = Callable[[int], None]


# ---------------------------------------------------------------- background exports


@transaction.atomic
def export_job_create(
    *,
    network: Network,
    owner: User,
    kind: str,
    format: str,
    arguments: dict[str, Any],
    query: str,
    title: str,
    rows_total: int,
) -> ExportJob:
    job = ExportJob.objects.create(
        network=network,
        owner=owner,
        kind=kind,
        format=format,
        arguments=arguments,
        query=query,
        title=title,
        rows_total=rows_total,
        expires_at=timezone.now() + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS),
    )
    from exports.tasks import run_export_job

    transaction.on_commit(lambda: run_export_job.delay(job.pk), robust=True)
    return job


def write_export(
    out: Any,
    network: Network,
    kind: kinds.Kind,
    selection: kinds.Selection,
    format: str,
    progress: Progress | None,
) -> None:
    if format == "pdf":
        reports = selection.queryset.select_related("group").order_by("group__name", "pk")
        out.write(reports_pdf(network, reports, selection.title))
        return
    rows = kinds.rows_of(kind, selection)
    columns = kinds.columns_of(kind, selection)
    if format == "xlsx":
        write_xlsx(out, columns, rows, sheet=kind.title, progress=progress)
    else:
        write_csv(out, columns, rows, progress=progress)


def export_job_run(*, job_id: int) -> bool:
    """Write the job's file. Run twice (a redelivered task), the second run finds the job
    done and does nothing. The owner's access is read again: someone who left the network
    since asking gets no file."""
    job = ExportJob.objects.select_related("network", "owner").get(pk=job_id)
    if job.status == Status.DONE:
        return False
    ExportJob.objects.filter(pk=job.pk).update(status=Status.RUNNING, rows_done=0)
    try:
        access = Access.load(job.owner, job.network)
        if not access.is_member:
            raise PermissionError("The person who asked is no longer in the network.")
        kind = kinds.get(job.kind)
        selection = kind.select(job.network, access, job.arguments, QueryDict(job.query))

        def progress(done: int) -> None:
            # Outside any transaction: the job's page sees each count as it is written.
            ExportJob.objects.filter(pk=job.pk).update(rows_done=min(done, job.rows_total))

        with tempfile.TemporaryFile() as out:
            write_export(out, job.network, kind, selection, job.format, progress)
            out.seek(0)
            name = f"{selection.filename}.{FORMATS[job.format][1]}"
            job.file.save(name, File(out), save=False)
    except Exception as error:  # noqa: BLE001 - any failure is the job's, shown on its page
        ExportJob.objects.filter(pk=job.pk).update(
            status=Status.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        return False
    job.status = Status.DONE
    job.rows_done = job.rows_total
    job.finished_at = timezone.now()
    job.expires_at = job.finished_at + dt.timedelta(hours=settings.EXPORT_KEEP_HOURS)
    job.save(update_fields=["file", "status", "rows_done", "finished_at", "expires_at"])
    send_mail(
        subject=f"Your export is ready: {job.title}",
        message=(
            f"Hello {job.owner.get_short_name()},\n\n"
            f"Your export “{job.title}” is ready to download until "
            f"{job.expires_at.astimezone(job.network.tz):%-d %b %Y %H:%M}:\n"
            f"{settings.SITE_URL}{job.get_absolute_url()}\n"
        ),
        from_email=None,
        recipient_list=[job.owner.email],
    )
    return True


def expired_exports_delete(*, now: dt.datetime | None = None) -> int:
    """Delete the files of exports past their time; the job rows stay, saying so."""
    now = now or timezone.now()
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file=""):
        job.file.delete(save=False)
        job.save(update_fields=["file"])
        deleted += 1
    return deleted


# ---------------------------------------------------------------- member import

IMPORT_COLUMNS = tuple(c.name for c in kinds.MEMBER_COLUMNS)
NETWORK_ROLES = {"organiser": Membership.Role.ORGANISER, "member": Membership.Role.MEMBER}
ROLES = (*NETWORK_ROLES, "gardener")
GARDENER_MARK = "(gardener)"
LIMITS = {
    name: getattr(User._meta.get_field(name), "max_length", 0) or 0
    for name in ("name", "organisation", "sector", "expertise")
}


@dataclass
class ImportRow:
    line: int
    email: str
    name: str
    organisation: str
    sector: str
    expertise: str
    role: str  # the network role: organiser | member
    groups: list[tuple[PeerGroup, str]]  # (group, "gardener" | "member")


@dataclass
class ImportPlan:
    """What a file would do, worked out without writing anything."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    new_people: list[ImportRow] = field(default_factory=list)  # no account yet
    joining: list[ImportRow] = field(default_factory=list)  # an account, not in the network
    members: list[ImportRow] = field(default_factory=list)  # in the network already
    group_places: list[tuple[ImportRow, PeerGroup, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def invitations(self) -> list[str]:
        """Everyone not yet in the network is invited: to set a password, or to know."""
        return [row.email for row in self.new_people + self.joining]


def _text(raw: bytes | str) -> str | None:
    if isinstance(raw, str):
        return raw.removeprefix("\ufeff")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _split_groups(cell: str) -> list[tuple[str, bool]]:
    found = []
    for part in cell.split(";"):
        token = part.strip()
        if not token:
            continue
        gardener = token.lower().endswith(GARDENER_MARK)
        if gardener:
            token = token[: -len(GARDENER_MARK)].strip()
        found.append((token, gardener))
    return found


def import_plan(*, network: Network, content: bytes | str) -> ImportPlan:
    """Read a member file (the directory export's columns) and say what importing it would
    do, or every reason it cannot, each with its line number."""
    plan = ImportPlan()
    text = _text(content)
    if text is None:
        plan.errors.append((1, "The file is not UTF-8 text. Save it as “CSV UTF-8”."))
        return plan
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    if "email" not in headers:
        plan.errors.append(
            (1, f"The first line must name the columns: {', '.join(IMPORT_COLUMNS)}.")
        )
        return plan
    reader.fieldnames = headers
    records = []
    for record in reader:
        cell = {k: (v or "").strip() for k, v in record.items() if isinstance(k, str)}
        if any(cell.values()):  # blank lines are skipped
            records.append((reader.line_num, cell))
    groups = list(network.groups.active())
    by_token = {g.slug.lower(): g for g in groups} | {g.name.strip().lower(): g for g in groups}
    unknown = {
        token.lower()
        for _line, cell in records
        for token, _gardener in _split_groups(cell.get("groups", ""))
        if token.lower() not in by_token
    }
    # Only to say why a group is unknown: the other networks' groups the file names.
    others = PeerGroup.objects.exclude(network=network).annotate(lname=Lower("name"))
    elsewhere = set(others.filter(lname__in=unknown).values_list("lname", flat=True)) | set(
        others.filter(slug__in=unknown).values_list("slug", flat=True)
    )
    seen: dict[str, int] = {}
    for line, cell in records:
        errors = []
        email = cell.get("email", "").lower()
        if not email:
            errors.append("email is missing")
        else:
            try:
                validate_email(email)
            except ValidationError:
                errors.append(f"“{email}” is not an email address")
            if email in seen:
                errors.append(f"{email} is also on line {seen[email]}")
            seen.setdefault(email, line)
        role = cell.get("role", "").lower() or "member"
        if role not in ROLES:
            errors.append(f"role “{cell['role']}” is not one of {', '.join(ROLES)}")
        places: list[tuple[PeerGroup, str]] = []
        for token, gardener in _split_groups(cell.get("groups", "")):
            group = by_token.get(token.lower())
            if group is None:
                if token.lower() in elsewhere:
                    errors.append(f"“{token}” is a group of another network")
                else:
                    errors.append(f"no group “{token}” in {network.name}")
                continue
            garden = gardener or role == "gardener"
            places.append((group, "gardener" if garden else "member"))
        if role == "gardener" and not places:
            errors.append("a gardener needs a group to garden")
        for name, limit in LIMITS.items():
            if limit and len(cell.get(name, "")) > limit:
                errors.append(f"{name} is longer than {limit} characters")
        if errors:
            plan.errors.extend((line, error) for error in errors)
            continue
        plan.rows.append(
            ImportRow(
                line=line,
                email=email,
                name=cell.get("name", ""),
                organisation=cell.get("organisation", ""),
                sector=cell.get("sector", ""),
                expertise=cell.get("expertise", ""),
                role="organiser" if role == "organiser" else "member",
                groups=places,
            )
        )
    if not plan.rows and not plan.errors:
        plan.errors.append((1, "The file has no rows below its column names."))
    _sort_people(network, plan)
    return plan


def _sort_people(network: Network, plan: ImportPlan) -> None:
    emails = [row.email for row in plan.rows]
    users = {u.email.lower(): u for u in User.objects.filter(email__in=emails)}
    in_network = set(
        Membership.objects.filter(network=network, user__in=users.values()).values_list(
            "user_id", flat=True
        )
    )
    places = set(
        GroupMembership.objects.filter(group__network=network, user__in=users.values()).values_list(
            "user_id", "group_id", "role"
        )
    )
    for row in list(plan.rows):
        user = users.get(row.email)
        if user is None:
            if not row.name:
                plan.errors.append((row.line, "name is missing for someone new"))
                plan.rows.remove(row)
                continue
            plan.new_people.append(row)
        elif user.pk in in_network:
            plan.members.append(row)
        else:
            plan.joining.append(row)
        for group, role in row.groups:
            uid = user.pk if user else None
            if (uid, group.pk, role) in places or (uid, group.pk, "gardener") in places:
                continue  # already there, in that role or above
            plan.group_places.append((row, group, role))
    plan.errors.sort()


@dataclass(frozen=True)
class ImportResult:
    created: int
    joined: int
    updated: int
    group_places: int
    invitations: int


@transaction.atomic
def members_import(
    *, network: Network, plan: ImportPlan, invited_by: User, progress: Progress | None = None
) -> ImportResult:
    """Write a plan without errors: all of its rows or, on any failure, none. Nobody is
    demoted: an import adds people, places and roles, and corrects profile fields."""
    if not plan.ok:
        raise ValidationError("The file has errors; nothing was imported.")
    new = {row.email for row in plan.new_people}
    members = {row.email for row in plan.members}
    users = {
        u.email.lower(): u for u in User.objects.filter(email__in=[r.email for r in plan.rows])
    }
    updated = 0
    for done, row in enumerate(plan.rows, start=1):
        profile = {
            "organisation": row.organisation,
            "sector": row.sector,
            "expertise": row.expertise,
        }
        user = users.get(row.email)
        if row.email in new:
            # No password yet: the invitation's link sets it (networks.services).
            user = User.objects.create_user(row.email, None, name=row.name, **profile)
        elif row.email in members and user is not None:
            # Organisers correct their members' profiles; empty cells change nothing.
            changes = {k: v for k, v in ({"name": row.name} | profile).items() if v}
            if any(getattr(user, k) != v for k, v in changes.items()):
                for key, value in changes.items():
                    setattr(user, key, value)
                user.save(update_fields=list(changes))
                updated += 1
        assert user is not None
        membership, created = Membership.objects.get_or_create(
            user=user, network=network, defaults={"role": NETWORK_ROLES[row.role]}
        )
        if not created and row.role == "organiser" and membership.role != row.role:
            membership.role = Membership.Role.ORGANISER
            membership.save(update_fields=["role"])
        for group, role in row.groups:
            place, made = GroupMembership.objects.get_or_create(
                group=group, user=user, defaults={"role": role}
            )
            if not made and role == "gardener" and place.role != role:
                place.role = role
                place.save(update_fields=["role"])
        if row.email not in members:
            # Sent once the whole import commits (invitation_create mails on commit).
            invitation_create(
                network=network,
                email=row.email,
                role=row.role,
                invited_by=invited_by,
            )
        if progress and done % 200 == 0:
            progress(done)
    return ImportResult(
        created=len(plan.new_people),
        joined=len(plan.joining),
        updated=updated,
        group_places=len(plan.group_places),
        invitations=len(plan.invitations),
    )


def plan_summary(plan: ImportPlan) -> dict[str, Any]:
    return {
        "rows": len(plan.rows),
        "new_people": len(plan.new_people),
        "joining": len(plan.joining),
        "members": len(plan.members),
        "group_places": len(plan.group_places),
        "invitations": len(plan.invitations),
        "errors": [[line, message] for line, message in plan.errors],
    }


def member_import_create(
    *, network: Network, owner: User, file_name: str, content: bytes
) -> tuple[MemberImport, ImportPlan]:
    """Keep an uploaded file for its preview; `content` that is not UTF-8 is kept empty and
    its plan says why."""
    text = _text(content)
    plan = import_plan(network=network, content=content)
    upload = MemberImport.objects.create(
        network=network,
        owner=owner,
        file_name=file_name[:200],
        content=text or "",
        rows_total=len(plan.rows),
        summary=plan_summary(plan),
    )
    return upload, plan


def member_import_confirm(*, upload: MemberImport) -> MemberImport:
    """Import a previewed file: at once, or as a background job when it is large."""
    updated = MemberImport.objects.filter(pk=upload.pk, confirmed_at__isnull=True).update(
        confirmed_at=timezone.now()
    )
    if not updated:
        return upload  # confirmed twice (a double click): the first one runs
    upload.refresh_from_db()
    if upload.rows_total > settings.IMPORT_BACKGROUND_ROWS:
        from exports.tasks import run_member_import

        transaction.on_commit(lambda: run_member_import.delay(upload.pk), robust=True)
    else:
        member_import_run(import_id=upload.pk)
        upload.refresh_from_db()
    return upload


def member_import_run(*, import_id: int) -> bool:
    """Plan the kept file again (the network may have changed since the preview) and write
    it. Marked done in the same transaction, so a redelivered task writes nothing twice."""
    upload = MemberImport.objects.select_related("network", "owner").get(pk=import_id)
    if upload.is_finished:
        return False
    MemberImport.objects.filter(pk=upload.pk).update(status=Status.RUNNING)
    plan = import_plan(network=upload.network, content=upload.content)
    if not plan.ok:
        MemberImport.objects.filter(pk=upload.pk).update(
            status=Status.FAILED,
            summary=plan_summary(plan),
            error="The file no longer imports cleanly; nothing was written.",
            finished_at=timezone.now(),
        )
        return False

    def progress(done: int) -> None:
        # The rows are written in one transaction, which nobody else sees until it commits:
        # the count travels through the cache (Redis in production) instead.
        cache.set(import_progress_key(upload.pk), done, timeout=60 * 60)

    with transaction.atomic():
        result = members_import(
            network=upload.network, plan=plan, invited_by=upload.owner, progress=progress
        )
        MemberImport.objects.filter(pk=upload.pk).update(
            status=Status.DONE,
            rows_done=len(plan.rows),
            summary=plan_summary(plan) | {"result": result.__dict__},
            finished_at=timezone.now(),
            content="",  # the people are in Grove now; the file need not be kept
        )
    return True


def import_progress_key(import_id: int) -> str:
    return f"exports:member-import:{import_id}:done"


def import_rows_done(upload: MemberImport) -> int:
    if upload.is_finished:
        return upload.rows_done
    return int(cache.get(import_progress_key(upload.pk), upload.rows_done))


def import_errors(summary: dict[str, Any]) -> Sequence[tuple[int, str]]:
    return [(int(line), str(message)) for line, message in summary.get("errors", [])]
