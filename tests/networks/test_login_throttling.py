"""Failed sign-ins are throttled per account and per address (django-axes); reset mails
per address. A lock lifts after its cool-off or with a new password, never lasting for good."""

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the reset-mail counter lives in the cache
    yield
    cache.clear()


def fail(client, path, email, times, address="10.0.0.1"):
    for _ in range(times):
        client.post(path, {"username": email, "password": "wrong"}, REMOTE_ADDR=address)


def test_the_right_password_after_many_wrong_ones_is_refused_for_a_while(world, client):
    fail(client, LOGIN, world.member.email, 30)
    response = client.post(LOGIN, {"username": world.member.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_out_page_shows_the_cool_off_and_a_reset_link(world, client):
    fail(client, LOGIN, world.member.email, settings.AXES_FAILURE_LIMIT)
    body = client.post(LOGIN, {"username": world.member.email, "password": PASSWORD}).text
    assert "Try again in 15 minutes" in body
    assert reverse("password_reset") in body


def test_the_admin_sign_in_is_throttled_too(world, client):
    fail(client, ADMIN_LOGIN, world.admin.email, 30)
    response = client.post(ADMIN_LOGIN, {"username": world.admin.email, "password": PASSWORD})
    assert response.status_code == 429


def test_another_address_is_throttled_per_account(world, client):
    fail(client, LOGIN, world.member.email, settings.AXES_FAILURE_LIMIT, address="10.0.0.1")
    response = client.post(
        LOGIN, {"username": world.member.email, "password": PASSWORD}, REMOTE_ADDR="10.9.9.9"
    )
    assert response.status_code == 429


def test_one_address_is_throttled_across_accounts(world, client):
    for n in range(settings.AXES_FAILURE_LIMIT):
        fail(client, LOGIN, f"guess{n}@example.org", 1)
    response = client.post(
        LOGIN, {"username": world.member.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429


def test_a_few_mistakes_do_not_lock_anyone_out(world, client):
    fail(client, LOGIN, world.member.email, settings.AXES_FAILURE_LIMIT - 1)
    response = client.post(LOGIN, {"username": world.member.email, "password": PASSWORD})
    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(world, client):
    fail(client, LOGIN, world.member.email, 30)
    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = client.post(LOGIN, {"username": world.member.email, "password": PASSWORD})
    assert response.status_code == 302


def test_failures_during_the_lock_do_not_extend_it(world, client):
    fail(client, LOGIN, world.member.email, settings.AXES_FAILURE_LIMIT)
    first = AccessAttempt.objects.get(username=world.member.email).attempt_time
    fail(client, LOGIN, world.member.email, 5)
    assert AccessAttempt.objects.get(username=world.member.email).attempt_time == first


def test_a_new_password_from_a_reset_mail_lifts_the_lock(world, client):
    fail(client, LOGIN, world.member.email, 30, address="127.0.0.1")
    client.post(reverse("password_reset"), {"email": world.member.email}, REMOTE_ADDR="10.5.5.5")
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    new = "fresh-passphrase-77"
    client.post(form_url, {"new_password1": new, "new_password2": new})
    response = client.post(
        LOGIN, {"username": world.member.email, "password": new}, REMOTE_ADDR="10.5.5.5"
    )
    assert response.status_code == 302


def test_reset_mails_to_one_address_are_throttled(world, client):
    for _ in range(10):
        response = client.post(reverse("password_reset"), {"email": world.member.email})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == settings.PASSWORD_RESET_MAILS_PER_HOUR
