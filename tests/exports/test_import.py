"""The member import: all rows or none, line-numbered errors, invitations once after commit,
and the directory's own export read back."""

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from exports import services
from exports.models import MemberImport, Status
from groups.models import GroupMembership
from networks.models import Invitation, Membership, User
from tests.factories import PeerGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "name,email,organisation,sector,expertise,groups,role\n"


def _plan(world, body: str):
    return services.import_plan(network=world.network, content=(HEADER + body).encode())


def _import(world, body: str):
    plan = _plan(world, body)
    return services.members_import(network=world.network, plan=plan, invited_by=world.organiser)


def test_a_clean_file_plans_new_people_places_and_invitations(world):
    plan = _plan(
        world,
        "Nia New,nia@example.org,Acme,Health,Grants,Founders Circle,member\n"
        "Mia Member,mia@example.org,,,,founders (gardener),\n",
    )
    assert plan.errors == []
    assert [r.email for r in plan.new_people] == ["nia@example.org"]
    assert [r.email for r in plan.members] == ["mia@example.org"]
    assert [(r.email, g.slug, role) for r, g, role in plan.group_places] == [
        ("nia@example.org", "founders", "member"),
        ("mia@example.org", "founders", "gardener"),  # a promotion
    ]
    assert plan.invitations == ["nia@example.org"]


def test_a_bad_row_in_the_middle_writes_nothing(world, django_capture_on_commit_callbacks):
    body = (
        "Ann One,ann@example.org,,,,,\nBad Row,not-an-email,,,,,\nCat Three,cat@example.org,,,,,\n"
    )
    users, memberships = User.objects.count(), Membership.objects.count()
    plan = _plan(world, body)
    assert plan.errors == [(3, "“not-an-email” is not an email address")]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception):
        services.members_import(network=world.network, plan=plan, invited_by=world.organiser)
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert mail.outbox == []


def test_every_reason_is_reported_with_its_line(world):
    PeerGroupFactory(network=world.other_network, name="Hilltop Makers")
    plan = _plan(
        world,
        ",,,,,,\n"  # a blank line is skipped
        "No Email,,,,,,\n"
        "Dup One,dup@example.org,,,,,\n"
        "Dup Two,DUP@example.org,,,,,\n"
        "Unknown Group,ug@example.org,,,,Nowhere,\n"
        "Foreign,fg@example.org,,,,Hilltop Makers,\n"
        "Bad Role,br@example.org,,,,,boss\n"
        ",noname@example.org,,,,,\n"
        "Gardener,gx@example.org,,,,,gardener\n",
    )
    assert plan.errors == [
        (3, "email is missing"),
        (5, "dup@example.org is also on line 4"),
        (6, "no group “Nowhere” in Riverside Makers"),
        (7, "“Hilltop Makers” is a group of another network"),
        (8, "role “boss” is not one of organiser, member, gardener"),
        (9, "name is missing for someone new"),
        (10, "a gardener needs a group to garden"),
    ]
    assert not plan.ok


def test_a_file_without_an_email_column_is_refused(world):
    plan = services.import_plan(network=world.network, content=b"who,where\nx,y\n")
    assert plan.errors[0][0] == 1 and "email" in plan.errors[0][1]


def test_a_file_that_is_not_utf8_is_refused(world):
    plan = services.import_plan(network=world.network, content=HEADER.encode() + b"\xff\xfe,\n")
    assert plan.errors == [(1, "The file is not UTF-8 text. Save it as “CSV UTF-8”.")]


def test_import_creates_people_places_and_invites_once_after_commit(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = _import(world, "Nia New,nia@example.org,Acme,Health,Grants,founders,organiser\n")
        assert mail.outbox == []  # nothing goes out before the commit
    for callback in callbacks:
        callback()
    nia = User.objects.get(email="nia@example.org")
    assert (nia.name, nia.organisation, nia.sector, nia.expertise) == (
        "Nia New",
        "Acme",
        "Health",
        "Grants",
    )
    assert not nia.has_usable_password()
    assert Membership.objects.get(user=nia, network=world.network).role == "organiser"
    assert GroupMembership.objects.filter(user=nia, group=world.group).exists()
    assert [m.to for m in mail.outbox] == [["nia@example.org"]]
    assert Invitation.objects.filter(email="nia@example.org").count() == 1
    assert result.invitations == 1


def test_an_import_never_demotes(world):
    _import(world, "Gary Gardener,gary@example.org,,,,founders,member\n")
    place = GroupMembership.objects.get(user=world.gardener, group=world.group)
    assert place.role == "gardener"


def test_an_existing_account_elsewhere_joins_without_its_profile_changed(world):
    elsewhere = UserFactory(email="el@example.org", organisation="Their own")
    _import(world, "Else Where,el@example.org,Overwritten,,,founders,\n")
    elsewhere.refresh_from_db()
    assert elsewhere.organisation == "Their own"
    assert Membership.objects.filter(user=elsewhere, network=world.network).exists()


def test_the_directory_export_round_trips(world, as_user, django_capture_on_commit_callbacks):
    second = PeerGroupFactory(network=world.network, name="Second; Circle", slug="second")
    GroupMembership.objects.create(group=second, user=world.member)
    url = reverse("exports:members", args=[world.network.slug])
    exported = b"".join(as_user(world.organiser).get(url).streaming_content)
    text = exported.decode("utf-8-sig")
    assert "Founders Circle (gardener)" in text and "second" in text
    # Edit the file: a new person in two groups, and one member's sector corrected.
    edited = (
        text.replace(
            "Mia Member,mia@example.org,Acme Ltd,Education",
            "Mia Member,mia@example.org,Acme Ltd,Health",
        )
        + "Ned New,ned@example.org,Beta,Arts,Print,Founders Circle; second,member\r\n"
    )
    before = {
        (m.user.email, m.role, tuple(sorted(g.group.slug for g in m.user.group_memberships.all())))
        for m in Membership.objects.filter(network=world.network).select_related("user")
    }
    plan = services.import_plan(network=world.network, content=edited.encode("utf-8-sig"))
    assert plan.errors == []
    assert [r.email for r in plan.new_people] == ["ned@example.org"]
    assert plan.group_places == [
        (plan.new_people[0], world.group, "member"),
        (plan.new_people[0], second, "member"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        services.members_import(network=world.network, plan=plan, invited_by=world.organiser)
    after = {
        (m.user.email, m.role, tuple(sorted(g.group.slug for g in m.user.group_memberships.all())))
        for m in Membership.objects.filter(network=world.network).select_related("user")
    }
    assert after - before == {("ned@example.org", "member", ("founders", "second"))}
    world.member.refresh_from_db()
    assert world.member.sector == "Health"
    # Exported again, the file is the edited one (rows by name).
    again = b"".join(as_user(world.organiser).get(url).streaming_content).decode("utf-8-sig")
    assert sorted(again.splitlines()) == sorted(edited.splitlines())


def test_the_command_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "Nia New,nia@example.org,,,,founders,\n")
    call_command("import_members", str(path), "--network", "riverside", "--dry-run")
    assert not User.objects.filter(email="nia@example.org").exists()
    call_command("import_members", str(path), "--network", "riverside")
    assert User.objects.filter(email="nia@example.org").exists()


def test_the_command_lists_errors_and_fails(world, tmp_path, capsys):
    path = tmp_path / "m.csv"
    path.write_text(HEADER + "Nia New,nia@,,,,,\n")
    with pytest.raises(CommandError):
        call_command("import_members", str(path), "--network", "riverside")
    assert "m.csv:2: “nia@” is not an email address" in capsys.readouterr().err


# ---------------------------------------------------------------- the organiser's pages


def _upload(client, world, body: str, name="members.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("exports:import_upload", args=[world.network.slug])
    return client.post(url, {"file": SimpleUploadedFile(name, (HEADER + body).encode())})


def test_upload_previews_then_confirm_imports(world, as_user, django_capture_on_commit_callbacks):
    client = as_user(world.organiser)
    response = _upload(client, world, "Nia New,nia@example.org,,,,founders,\n")
    upload = MemberImport.objects.get()
    assert response["Location"] == upload.get_absolute_url()
    preview = client.get(upload.get_absolute_url()).content.decode()
    assert "New people" in preview and "nia@example.org" in preview
    assert not User.objects.filter(email="nia@example.org").exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload.get_absolute_url())
    upload.refresh_from_db()
    assert upload.status == Status.DONE and upload.content == ""
    assert User.objects.filter(email="nia@example.org").exists()
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(upload.get_absolute_url())  # a second confirm does nothing
    assert len(mail.outbox) == 1


def test_the_preview_lists_the_errors_and_offers_no_confirm(world, as_user):
    client = as_user(world.organiser)
    _upload(client, world, "A,a@example.org,,,,,\nB,bad,,,,,\n")
    upload = MemberImport.objects.get()
    page = client.get(upload.get_absolute_url()).content.decode()
    assert "Line 3: “bad” is not an email address" in page
    assert "nothing will be imported" in page
    client.post(upload.get_absolute_url())
    assert not User.objects.filter(email="a@example.org").exists()


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_only_organisers_import(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert (
        client.get(reverse("exports:import_upload", args=[world.network.slug])).status_code == 403
    )
    assert _upload(client, world, "A,a@example.org,,,,,\n").status_code == 403


def test_a_large_file_imports_in_the_background(
    world, as_user, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 2
    client = as_user(world.organiser)
    body = "".join(f"P{n},p{n}@example.org,,,,founders,\n" for n in range(5))
    _upload(client, world, body)
    upload = MemberImport.objects.get()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(upload.get_absolute_url())
    upload.refresh_from_db()
    assert upload.status == Status.WAITING  # queued, not run in the request
    page = client.get(upload.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page and "0 of 5 rows" in page
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()  # the task, in-process
    upload.refresh_from_db()
    assert upload.status == Status.DONE
    assert User.objects.filter(email__startswith="p").count() == 5
    assert len(mail.outbox) == 5


def test_an_imported_person_completes_their_account_from_the_invitation(world, client):
    from networks.services import invitation_accept

    _import(world, "Nia New,nia@example.org,Acme,,,founders,\n")
    invitation = Invitation.objects.get(email="nia@example.org")
    token, token_hash = Invitation.new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=token_hash)
    user = invitation_accept(
        token=token, name="Nia N.", password="a-long-pass-phrase", profile={"sector": "Health"}
    )
    user.refresh_from_db()
    assert user.check_password("a-long-pass-phrase")
    assert (user.name, user.organisation, user.sector) == ("Nia N.", "Acme", "Health")
