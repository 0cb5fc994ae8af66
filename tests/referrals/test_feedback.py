"""Served well: the concierge records the client's feedback, or sends a private link that
works once, expires, needs no sign-in and shows nothing else of Grove."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from referrals.models import FeedbackLink, Referral
from referrals.services import feedback_link_create, feedback_record, referral_move
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(cng) -> Referral:
    referral = make_referral(cng)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    return referral


def _link(cng, referral) -> str:
    _, token = feedback_link_create(referral=referral, by=cng.concierge)
    return reverse("referral_feedback", kwargs={"token": token})


def test_the_concierge_records_the_clients_feedback(cng, served):
    feedback_record(referral=served, by=cng.concierge, rating=4, comment="Good")
    served.refresh_from_db()
    assert (served.client_rating, served.client_feedback) == (4, "Good")


@pytest.mark.parametrize("rating", [0, 6, None])
def test_a_satisfaction_outside_1_to_5_is_refused(cng, served, rating):
    with pytest.raises(ValidationError, match="1 to 5"):
        feedback_record(referral=served, by=cng.concierge, rating=rating, comment="")
    served.refresh_from_db()
    assert served.client_rating is None


def test_the_page_refuses_a_satisfaction_outside_1_to_5(cng, served, as_user):
    url = reverse(
        "referrals:feedback",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": served.pk},
    )
    response = as_user(cng.concierge).post(url, {"rating": "9", "comment": ""})
    assert response.status_code == 422
    assert "Satisfaction is a number from 1 to 5." in response.content.decode()


def test_feedback_waits_until_the_client_is_served(cng, referral):
    with pytest.raises(ValidationError, match="served"):
        feedback_record(referral=referral, by=cng.concierge, rating=5, comment="")


def test_only_a_hash_of_the_link_is_stored(cng, served):
    link, token = feedback_link_create(referral=served, by=cng.concierge)
    assert token not in link.token_hash and len(link.token_hash) == 64


def test_the_client_answers_through_the_link_without_signing_in(cng, served, as_user):
    url = _link(cng, served)
    page = as_user(None).get(url)
    assert page.status_code == 200
    response = as_user(None).post(url, {"rating": "5", "comment": "Wonderful"})
    assert "Thank you" in response.content.decode()
    served.refresh_from_db()
    assert (served.client_rating, served.client_feedback) == (5, "Wonderful")


def test_the_link_page_shows_nothing_else_of_grove(cng, served, as_user):
    body = as_user(None).get(_link(cng, served)).content.decode()
    assert "mainnav" not in body and "Sign out" not in body and "/n/riverside" not in body
    assert "Clara" not in body and "accountant" not in body


def test_a_used_link_is_refused_and_changes_nothing(cng, served, as_user):
    url = _link(cng, served)
    as_user(None).post(url, {"rating": "5", "comment": "First"})
    response = as_user(None).post(url, {"rating": "1", "comment": "Second"})
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    served.refresh_from_db()
    assert (served.client_rating, served.client_feedback) == (5, "First")


def test_an_expired_link_is_refused(cng, served, as_user):
    url = _link(cng, served)
    now = timezone.now()
    FeedbackLink.objects.update(
        created_at=now - dt.timedelta(days=15), expires_at=now - dt.timedelta(seconds=1)
    )
    response = as_user(None).post(url, {"rating": "5"})
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    served.refresh_from_db()
    assert served.client_rating is None


def test_an_unknown_link_is_refused(as_user, db):
    response = as_user(None).get(reverse("referral_feedback", kwargs={"token": "nope"}))
    assert response.status_code == 410


def test_a_new_link_retires_the_earlier_one(cng, served, as_user):
    first = _link(cng, served)
    _link(cng, served)
    assert as_user(None).get(first).status_code == 410


def test_the_link_refuses_a_satisfaction_outside_1_to_5(cng, served, as_user):
    url = _link(cng, served)
    response = as_user(None).post(url, {"rating": "7"})
    assert "Satisfaction is a number from 1 to 5." in response.content.decode()
    assert FeedbackLink.objects.get().used_at is None


def test_only_the_concierge_asks_for_feedback(cng, served, as_user):
    url = reverse(
        "referrals:feedback_link",
        kwargs={"network_slug": cng.world.network.slug, "referral_id": served.pk},
    )
    assert as_user(cng.colleague).post(url).status_code == 403
    response = as_user(cng.concierge).post(url)
    assert "/feedback/" in response.content.decode()
    assert FeedbackLink.objects.count() == 1
