"""Notifications: written at once, an unread badge in the menu, a page, a preference."""

import pytest
from django.urls import reverse

from notifications.models import Notification, Preference
from notifications.services import notify

pytestmark = pytest.mark.django_db


def _url(world, name: str = "list") -> str:
    return reverse(f"notifications:{name}", kwargs={"network_slug": world.network.slug})


@pytest.fixture
def note(world) -> Notification:
    return notify(user=world.member, network=world.network, verb="Gary accepted the referral",
                  link="/n/riverside/referrals/")  # fmt: skip


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member"])
def test_every_member_has_a_notifications_page(world, as_user, persona):
    assert as_user(getattr(world, persona)).get(_url(world)).status_code == 200


def test_an_outsider_gets_404(world, as_user):
    assert as_user(world.outsider).get(_url(world)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(world, as_user):
    response = as_user(None).get(_url(world))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_page_lists_only_the_persons_own_notifications(world, as_user, note):
    assert "Gary accepted" in as_user(world.member).get(_url(world)).content.decode()
    assert "Gary accepted" not in as_user(world.gardener).get(_url(world)).content.decode()


def test_the_menu_shows_the_unread_count(world, as_user, note):
    home = reverse("network_home", kwargs={"network_slug": world.network.slug})
    body = as_user(world.member).get(home).content.decode()
    assert 'class="badge unread-badge">1<' in body


def test_opening_a_notification_marks_it_read_and_follows_its_link(world, as_user, note):
    response = as_user(world.member).post(_url(world, "read"), {"notification": note.pk})
    assert response.status_code == 302 and response.url == "/n/riverside/referrals/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_nobody_marks_another_persons_notification_read(world, as_user, note):
    as_user(world.gardener).post(_url(world, "read"), {"notification": note.pk})
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(world, as_user, note):
    as_user(world.member).post(_url(world, "read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_each_person_chooses_how_they_hear_per_network(world, as_user):
    as_user(world.member).post(_url(world), {"referral_updates": "digest"})
    assert Preference.referral_delivery(world.member.pk, world.network.pk) == "digest"
    assert Preference.referral_delivery(world.gardener.pk, world.network.pk) == "every"


def test_an_unknown_choice_is_refused(world, as_user):
    response = as_user(world.member).post(_url(world), {"referral_updates": "pigeon"})
    assert "Select a valid choice" in response.content.decode()
    assert not Preference.objects.exists()


def test_a_notification_link_must_stay_on_grove(world):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        Notification.objects.create(
            user=world.member, network=world.network, verb="x", link="//evil.example/"
        )
