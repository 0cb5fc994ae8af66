"""The Django admin shows the story but cannot move a referral past the rules."""

import pytest
from django.urls import reverse

from referrals.models import Referral
from referrals.services import touchpoint_add
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db


def test_the_admin_shows_the_status_read_only(cng, as_user):
    referral = make_referral(cng)
    url = reverse("admin:referrals_referral_change", args=[referral.pk])
    page = as_user(cng.world.admin).get(url)
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()


def test_posting_a_status_through_the_admin_changes_nothing(cng, as_user):
    referral = make_referral(cng)
    url = reverse("admin:referrals_referral_change", args=[referral.pk])
    as_user(cng.world.admin).post(
        url, {"status": "closed", "closed_value": "99999", "need": referral.need,
              "touchpoints-TOTAL_FORMS": "0", "touchpoints-INITIAL_FORMS": "0",
              "status_changes-TOTAL_FORMS": "0", "status_changes-INITIAL_FORMS": "0"},
    )  # fmt: skip
    referral.refresh_from_db()
    assert (referral.status, referral.closed_value) == ("made", None)
    assert referral.status_changes.count() == 1


def test_referrals_are_not_added_through_the_admin(cng, as_user):
    response = as_user(cng.world.admin).get(reverse("admin:referrals_referral_add"))
    assert response.status_code == 403
    assert not Referral.objects.exists()


def test_touchpoints_are_not_deleted_through_the_admin(cng, as_user):
    referral = make_referral(cng)
    touchpoint = touchpoint_add(referral=referral, author=referral.referrer, kind="client",
                                note="Called", happened_on=referral.made_on)  # fmt: skip
    url = reverse("admin:referrals_touchpoint_delete", args=[touchpoint.pk])
    assert as_user(cng.world.admin).post(url, {"post": "yes"}).status_code == 403
    referral.refresh_from_db()
    assert referral.touchpoints.count() == 1 and referral.first_touch_on == referral.made_on
