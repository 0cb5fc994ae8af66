"""The organisers' webhook pages: register, see the log, replay, rotate, turn back on."""

import pytest
from django.urls import reverse
from django.utils import timezone

from webhooks import services
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


def list_url(world) -> str:
    return reverse("webhooks:list", kwargs={"network_slug": world.network.slug})


@pytest.fixture
def hook(world) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        network=world.network, url="https://hooks.example.org/grove",
        events=[Event.ACTIVITY_LOGGED], created_by=world.organiser,
    )  # fmt: skip


def detail_url(world, hook) -> str:
    return reverse(
        "webhooks:detail", kwargs={"network_slug": world.network.slug, "webhook_id": hook.pk}
    )


@pytest.mark.parametrize(
    ("persona", "code"),
    [("organiser", 200), ("gardener", 403), ("member", 403), ("outsider", 404)],
)
def test_only_organisers_manage_webhooks(world, as_user, hook, persona, code):
    client = as_user(getattr(world, persona))
    assert client.get(list_url(world)).status_code == code
    assert client.get(detail_url(world, hook)).status_code == code


def test_anonymous_visitors_are_sent_to_sign_in(world, as_user):
    response = as_user(None).get(list_url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_organiser_registers_an_endpoint(world, as_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = True
    response = as_user(world.organiser).post(
        list_url(world), {"url": "https://hooks.example.org/a", "events": ["activity.logged"]}
    )
    hook = WebhookEndpoint.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(world, hook)
    assert hook.secret.startswith("whsec_") and hook.created_by == world.organiser


def test_a_loopback_endpoint_is_refused_on_the_form(world, as_user, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    response = as_user(world.organiser).post(
        list_url(world), {"url": "https://127.0.0.1/a", "events": ["activity.logged"]}
    )
    assert "private, loopback or link-local" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_log_shows_each_attempt(world, as_user, hook, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    services.delivery_attempt(delivery_id=delivery_id)  # refused: resolves to nothing public
    body = as_user(world.organiser).get(detail_url(world, hook)).content.decode()
    assert WebhookDelivery.objects.get().message_id in body
    assert hook.secret in body


def test_replay_from_the_log(world, as_user, hook, django_capture_on_commit_callbacks):
    [delivery_id] = services.event_emit(network=world.network, event=Event.ACTIVITY_LOGGED, data={})
    WebhookDelivery.objects.filter(pk=delivery_id).update(state=WebhookDelivery.State.FAILED)
    url = reverse(
        "webhooks:replay",
        kwargs={"network_slug": world.network.slug, "webhook_id": hook.pk,
                "webhook_delivery_id": delivery_id},
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert as_user(world.organiser).post(url).status_code == 302
    assert WebhookDelivery.objects.get().state == WebhookDelivery.State.PENDING
    assert len(queued) == 1


def test_a_disabled_endpoint_shows_why_and_turns_back_on(world, as_user, hook):
    WebhookEndpoint.objects.filter(pk=hook.pk).update(
        disabled_at=timezone.now(), disabled_reason="5 deliveries in a row failed."
    )
    client = as_user(world.organiser)
    assert "5 deliveries in a row failed." in client.get(detail_url(world, hook)).content.decode()
    url = reverse(
        "webhooks:enable", kwargs={"network_slug": world.network.slug, "webhook_id": hook.pk}
    )
    client.post(url)
    hook.refresh_from_db()
    assert hook.disabled_at is None


def test_rotating_keeps_the_old_secret_for_a_day(world, as_user, hook):
    old = hook.secret
    url = reverse(
        "webhooks:rotate", kwargs={"network_slug": world.network.slug, "webhook_id": hook.pk}
    )
    as_user(world.organiser).post(url)
    hook.refresh_from_db()
    assert hook.secret != old and hook.signing_secrets() == [hook.secret, old]
