"""The referral log export: the board's people may take it; client details follow the
page's privacy rule, and members' files have no contact columns at all."""

import csv
import io

import pytest
from django.urls import reverse

from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def _url(world) -> str:
    return reverse("exports:referrals", args=[world.network.slug, world.group.slug])


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "admin"])
def test_the_boards_people_export_the_log(cng, referral, as_user, persona):
    response = as_user(getattr(cng.world, persona)).get(_url(cng.world), {"format": "csv"})
    assert response.status_code == 200
    assert _rows(response)[1][3] == referral.need


def test_a_network_member_outside_the_group_is_refused(cng, referral, as_user):
    assert as_user(cng.elsewhere).get(_url(cng.world), {"format": "csv"}).status_code == 403


def test_another_networks_user_gets_404(cng, referral, as_user):
    assert as_user(cng.world.outsider).get(_url(cng.world), {"format": "csv"}).status_code == 404


def test_organisers_and_the_gardener_get_the_contact_columns(cng, referral, as_user):
    for person in (cng.world.organiser, cng.world.gardener):
        header, row = _rows(as_user(person).get(_url(cng.world), {"format": "csv"}))[:2]
        assert header[-3:] == ["client_organisation", "client_email", "client_phone"]
        assert row[-2] == "clara@client.example"


def test_a_members_file_has_no_contact_columns(cng, referral, as_user):
    header, row = _rows(as_user(cng.concierge).get(_url(cng.world), {"format": "csv"}))[:2]
    assert "client_email" not in header
    assert "clara@client.example" not in ",".join(row)
    assert row[6] == "Clara Client"  # the concierge may see the name of their own client


def test_a_bystander_sees_the_referral_but_not_the_client(cng, referral, as_user):
    rows = _rows(as_user(cng.bystander).get(_url(cng.world), {"format": "csv"}))
    assert rows[1][6] == "—"
    assert "Clara" not in "".join(",".join(r) for r in rows)


def test_before_consent_only_the_concierge_sees_the_client_in_the_file(cng, as_user):
    make_referral(cng, consent="")
    rows = _rows(as_user(cng.world.organiser).get(_url(cng.world), {"format": "csv"}))
    assert rows[1][6] == "—"
    assert rows[1][-2] == "—"
