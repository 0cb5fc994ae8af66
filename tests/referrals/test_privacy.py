"""Clients are private: their details only for the concierge, the colleague, the group's
gardener and the network's organisers; before consent, only the concierge."""

import datetime as dt

import pytest
from django.urls import reverse

from networks.policy import Access
from referrals.models import Client, ClientErasure, Referral
from referrals.services import client_erase, clients_anonymise_due, referral_move
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db

SEES = {"organiser": True, "gardener": True, "concierge": True, "colleague": True,
        "bystander": False}  # fmt: skip
SEES_BEFORE_CONSENT = {"organiser": False, "gardener": False, "concierge": True,
                       "colleague": False, "bystander": False}  # fmt: skip


def _person(cng, name):
    return getattr(cng.world, name) if name in ("organiser", "gardener") else getattr(cng, name)


def _page(as_user, cng, persona, referral) -> str:
    url = reverse(
        "referrals:detail",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": referral.pk},
    )
    return as_user(_person(cng, persona)).get(url).content.decode()


@pytest.mark.parametrize("persona", SEES)
def test_the_rule_names_who_sees_a_client(cng, referral, persona):
    access = Access.load(_person(cng, persona), cng.world.network)
    assert access.can_see_client(referral) is SEES[persona]


@pytest.mark.parametrize("persona", SEES)
def test_the_referral_page_shows_the_details_to_those_roles_only(cng, referral, as_user, persona):
    page = _page(as_user, cng, persona, referral)
    assert ("clara@client.example" in page) is SEES[persona]
    assert ("Clara Client" in page) is SEES[persona]
    assert "Needs an accountant who knows charities." in page  # the referral itself is shared


@pytest.mark.parametrize("persona", SEES)
def test_before_consent_only_the_concierge_sees_the_details(cng, as_user, persona):
    referral = make_referral(cng, consent="")
    page = _page(as_user, cng, persona, referral)
    assert ("clara@client.example" in page) is SEES_BEFORE_CONSENT[persona]


def test_recording_consent_shows_the_details_to_the_colleague(cng, as_user):
    referral = make_referral(cng, consent="")
    url = reverse(
        "referrals:consent",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": referral.pk},
    )
    as_user(cng.concierge).post(url, {"how": "written"})
    client = Client.objects.get()
    assert client.consent == "written" and client.consent_at is not None
    assert "clara@client.example" in _page(as_user, cng, "colleague", referral)


def test_only_the_concierge_records_consent(cng, as_user):
    referral = make_referral(cng, consent="")
    url = reverse(
        "referrals:consent",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": referral.pk},
    )
    assert as_user(cng.colleague).post(url, {"how": "written"}).status_code == 403
    assert Client.objects.get().consent == ""


@pytest.mark.parametrize("persona", SEES)
def test_the_board_names_the_client_only_for_those_roles(cng, referral, as_user, persona):
    url = reverse(
        "referrals:board", kwargs={"network_slug": cng.world.network.slug, "group_slug": "founders"}
    )
    page = as_user(_person(cng, persona)).get(url).content.decode()
    assert ("Clara Client" in page) is SEES[persona]


def test_a_known_client_is_offered_only_to_people_who_may_see_it(cng, as_user, referral):
    url = reverse(
        "referrals:new", kwargs={"network_slug": cng.world.network.slug, "group_slug": "founders"}
    )
    assert "Clara Client" in as_user(cng.concierge).get(url).content.decode()
    assert "Clara Client" in as_user(cng.world.gardener).get(url).content.decode()
    assert "Clara Client" not in as_user(cng.bystander).get(url).content.decode()


def test_the_console_names_the_client_only_with_consent(cng, as_user):
    with_consent = make_referral(cng)
    without = make_referral(cng, consent="", client_details={"name": "Hidden Harry"})
    old = dt.date.today() - dt.timedelta(days=9)
    Referral.objects.filter(pk__in=[with_consent.pk, without.pk]).update(made_on=old)
    url = reverse("objectives:console", kwargs={"network_slug": cng.world.network.slug})
    body = as_user(cng.world.gardener).get(url).content.decode()
    assert "Clara Client" in body and "Hidden Harry" not in body


# ---------------------------------------------------------------- erasure and retention


def test_an_organiser_erases_a_client_at_once_keeping_the_figures(cng, referral, as_user):
    url = reverse(
        "referrals:client_erase",
        kwargs={"network_slug": cng.world.network.slug, "client_id": referral.client_id},
    )
    response = as_user(cng.world.organiser).post(url)
    assert response.status_code == 302
    client = Client.objects.get()
    assert (client.name, client.email, client.phone, client.notes) == ("Erased client", "", "", "")
    assert Referral.objects.filter(pk=referral.pk).exists()  # the figures keep counting it


def test_an_erasure_is_recorded_without_the_erased_data(cng, referral):
    erasure = client_erase(client=referral.client, by=cng.world.organiser)
    assert (erasure.reason, erasure.erased_by, erasure.referral_count) == (
        "request", cng.world.organiser, 1
    )  # fmt: skip
    recorded = " ".join(str(v) for v in ClientErasure.objects.values().get().values())
    assert "Clara" not in recorded and "clara@" not in recorded


@pytest.mark.parametrize("persona", ["gardener", "concierge", "colleague"])
def test_only_organisers_erase_clients(cng, referral, as_user, persona):
    url = reverse(
        "referrals:client_erase",
        kwargs={"network_slug": cng.world.network.slug, "client_id": referral.client_id},
    )
    assert as_user(_person(cng, persona)).post(url).status_code == 403
    assert Client.objects.get().anonymised_at is None


def test_an_outsider_cannot_erase_a_client(cng, referral, as_user):
    url = reverse(
        "referrals:client_erase",
        kwargs={"network_slug": cng.world.network.slug, "client_id": referral.client_id},
    )
    assert as_user(cng.world.outsider).post(url).status_code == 404


def _closed_on(cng, day: dt.date) -> Referral:
    referral = make_referral(cng)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    referral_move(referral=referral, to="closed", by=cng.colleague, value=None)
    Referral.objects.filter(pk=referral.pk).update(made_on=day, served_on=day, closed_on=day)
    return referral


def test_clients_are_anonymised_after_the_networks_retention(cng):
    _closed_on(cng, dt.date.today() - dt.timedelta(days=2 * 366))
    assert clients_anonymise_due() == 1
    assert Client.objects.get().anonymised_at is not None
    assert ClientErasure.objects.get().reason == "retention"


def test_clients_are_kept_until_the_retention_ends(cng):
    _closed_on(cng, dt.date.today() - dt.timedelta(days=300))
    assert clients_anonymise_due() == 0
    assert Client.objects.get().anonymised_at is None


def test_a_shorter_retention_set_by_the_network_applies(cng):
    cng.world.network.client_retention_months = 6
    cng.world.network.save()
    _closed_on(cng, dt.date.today() - dt.timedelta(days=200))
    assert clients_anonymise_due() == 1


def test_a_client_with_an_open_referral_is_kept(cng):
    old = _closed_on(cng, dt.date.today() - dt.timedelta(days=3 * 365))
    make_referral(cng, client=old.client, need="Back again")
    assert clients_anonymise_due() == 0


def test_retention_reruns_change_nothing(cng):
    _closed_on(cng, dt.date.today() - dt.timedelta(days=3 * 365))
    clients_anonymise_due()
    assert clients_anonymise_due() == 0
    assert ClientErasure.objects.count() == 1
