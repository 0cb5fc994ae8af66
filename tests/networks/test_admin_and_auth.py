import re

import pytest
from django.contrib import admin
from django.core import mail
from django.http import HttpRequest
from django.urls import reverse

from tests.factories import (
    ActivityFactory,
    CheckInFactory,
    ContributionFactory,
    InvitationFactory,
    ProgressReportFactory,
    ReferralFactory,
    SoundBiteFactory,
)

pytestmark = pytest.mark.django_db

MODELS = [
    m
    for m in admin.site._registry
    if m._meta.app_label in {"networks", "groups", "objectives", "referrals"}
]


@pytest.fixture
def filled(world):
    ActivityFactory(group=world.group, led_by=world.member)
    CheckInFactory()
    ContributionFactory()
    InvitationFactory(network=world.network)
    ProgressReportFactory(group=world.group)
    ReferralFactory(group=world.group)
    SoundBiteFactory(network=world.network)
    return world


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelist_loads_for_every_model(filled, as_user, model):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = as_user(filled.admin).get(url, {"q": "a"})
    assert response.status_code == 200


def test_every_domain_model_has_an_admin():
    from django.apps import apps

    ours = [
        m
        for app in ("networks", "webhooks", "groups", "objectives", "referrals")
        for m in apps.get_app_config(app).get_models()
    ]
    missing = [
        m._meta.label
        for m in ours
        if m not in admin.site._registry
        and not m._meta.label.split(".")[1].startswith("Historical")
    ]
    assert missing == []


def test_organiser_cannot_open_django_admin(world, as_user):
    response = as_user(world.organiser).get("/admin/")
    assert response.status_code == 302


def test_login_with_email_lands_on_the_network(world, client):
    response = client.post(
        "/accounts/login/", {"username": "mia@example.org", "password": "grove-test-pass-1"}
    )
    assert response.status_code == 302
    assert client.get(response.url).status_code == 302  # one network: straight to it


def test_wrong_password_is_refused_with_a_message(world, client):
    response = client.post("/accounts/login/", {"username": "mia@example.org", "password": "x"})
    assert response.status_code == 200
    assert "correct email" in response.text.lower()


def test_logout_signs_out(world, as_user):
    client = as_user(world.member)
    client.post("/accounts/logout/")
    assert client.get("/").status_code == 302


def test_password_reset_by_email(world, client):
    client.post("/accounts/password_reset/", {"email": "mia@example.org"})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    client.post(
        form_url, {"new_password1": "fresh-passphrase-77", "new_password2": "fresh-passphrase-77"}
    )
    assert client.login(
        request=HttpRequest(), email="mia@example.org", password="fresh-passphrase-77"
    )
