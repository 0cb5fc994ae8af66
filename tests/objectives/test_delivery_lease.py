"""Report mails are delivered at least once: a claim is a lease, retries outlast an
outage, and a mail that finally fails is shown to the organisers with a resend button."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse
from django.utils import timezone

from objectives import services, tasks
from objectives.models import ReportDelivery
from tests.objectives.conftest import FlakyMailBackend

pytestmark = pytest.mark.django_db

PERIOD = (dt.date(2026, 10, 1), dt.date(2026, 11, 1))


@pytest.fixture
def delivery(world):
    """The member's pending email delivery of the group's October report."""
    report, _ = services.report_create(
        group=world.group, period_start=PERIOD[0], period_end=PERIOD[1], deliver=False
    )
    services.report_deliveries_create(report=report)
    return ReportDelivery.objects.get(report=report, user=world.member)


def _age(delivery, **fields) -> None:
    ReportDelivery.objects.filter(pk=delivery.pk).update(**fields)


def _ago(**kwargs) -> dt.datetime:
    return timezone.now() - dt.timedelta(**kwargs)


def test_a_claim_records_when_it_was_taken(delivery, settings):
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 1
    before = timezone.now()
    with pytest.raises(OSError):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.claimed_at >= before


def test_a_claim_older_than_the_lease_is_taken_again(delivery):
    lapsed = timezone.now() - services.DELIVERY_LEASE - dt.timedelta(seconds=1)
    _age(delivery, state="sending", claimed_at=lapsed)  # its worker died mid-send
    assert services.delivery_send(delivery_id=delivery.pk) is True
    assert [m.to for m in mail.outbox] == [[delivery.user.email]]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 1)


def test_a_claim_left_from_before_leases_is_taken_again(delivery):
    _age(delivery, state="sending", claimed_at=None)
    assert services.delivery_send(delivery_id=delivery.pk) is True


def test_the_sweep_takes_lapsed_claims_and_leaves_live_ones(world, delivery):
    gardeners = ReportDelivery.objects.get(report=delivery.report, user=world.gardener)
    lapsed = timezone.now() - services.DELIVERY_LEASE - dt.timedelta(seconds=1)
    _age(delivery, state="sending", claimed_at=lapsed)
    _age(gardeners, state="sending", claimed_at=timezone.now())
    assert services.stalled_email_deliveries() == [delivery.pk]


def test_the_sweep_leaves_a_delivery_waiting_for_its_retry(delivery):
    delivery.report.__class__.objects.update(created_at=_ago(hours=3))
    _age(delivery, claimed_at=_ago(minutes=40))  # tried 40 minutes ago, retry pending
    assert delivery.pk not in services.stalled_email_deliveries()
    _age(delivery, claimed_at=_ago(minutes=70))  # its retry task was lost
    assert delivery.pk in services.stalled_email_deliveries()


def test_retries_back_off_over_about_a_day():
    delays = [tasks.retry_delay(n) for n in range(1, services.MAX_SEND_ATTEMPTS)]
    assert 9 <= delays[0] <= 11
    assert max(delays) <= tasks.LONGEST_RETRY_SECONDS * 1.1 < 60 * 60  # below the visibility
    assert 18 * 3600 <= sum(delays) <= 26 * 3600


def test_a_busy_task_retries_in_seconds():
    assert tasks.BUSY_RETRY_SECONDS <= 30


def test_the_last_attempt_fails_the_delivery_and_logs_it(delivery, settings, caplog):
    settings.EMAIL_BACKEND = "tests.objectives.conftest.FlakyMailBackend"
    FlakyMailBackend.failures = 1
    _age(delivery, attempts=services.MAX_SEND_ATTEMPTS - 1)
    with caplog.at_level(logging.ERROR), pytest.raises(OSError):
        services.delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.state == "failed"
    assert "failed for good" in caplog.text


class StateAtQuitBackend(BaseEmailBackend):
    """Accepts every mail and notes the deliveries' states when the connection closes."""

    states_at_close: list = []

    def send_messages(self, messages: list) -> int:
        return len(messages)

    def close(self) -> None:
        StateAtQuitBackend.states_at_close.append(
            list(ReportDelivery.objects.values_list("state", flat=True).distinct())
        )


def test_a_mail_is_marked_sent_before_the_connection_closes(delivery, settings):
    # A crash during the QUIT then leaves nothing to send again.
    settings.EMAIL_BACKEND = f"{__name__}.StateAtQuitBackend"
    StateAtQuitBackend.states_at_close = []
    ReportDelivery.objects.exclude(pk=delivery.pk).delete()
    assert services.delivery_send(delivery_id=delivery.pk) is True
    assert StateAtQuitBackend.states_at_close == [["sent"]]


# ---------------------------------------------------------------- the organisers' view


def _reports(world) -> str:
    return reverse("objectives:reports", kwargs={"network_slug": world.network.slug})


def _resend(world, delivery) -> str:
    return reverse(
        "objectives:delivery_resend",
        kwargs={"network_slug": world.network.slug, "delivery_id": delivery.pk},
    )


def test_organisers_see_failed_mails_with_a_resend_button(world, as_user, delivery):
    _age(delivery, state="failed", last_error="SMTPServerDisconnected: gone")
    body = as_user(world.organiser).get(_reports(world)).content.decode()
    assert "could not be sent" in body and world.member.email in body
    assert _resend(world, delivery) in body


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_others_do_not_see_failed_mails(world, as_user, delivery, persona):
    _age(delivery, state="failed")
    body = as_user(getattr(world, persona)).get(_reports(world)).content.decode()
    assert "could not be sent" not in body


def test_an_organiser_resends_a_failed_mail(
    world, as_user, delivery, django_capture_on_commit_callbacks
):
    _age(delivery, state="failed", attempts=services.MAX_SEND_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(world.organiser).post(_resend(world, delivery))
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 1)
    assert [m.to for m in mail.outbox] == [[world.member.email]]


def test_a_mail_that_had_not_failed_is_not_resent(world, as_user, delivery):
    as_user(world.organiser).post(_resend(world, delivery))
    delivery.refresh_from_db()
    assert delivery.state == "pending" and mail.outbox == []


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_resending_is_forbidden_to_others_in_the_network(world, as_user, delivery, persona):
    _age(delivery, state="failed")
    assert as_user(getattr(world, persona)).post(_resend(world, delivery)).status_code == 403
    delivery.refresh_from_db()
    assert delivery.state == "failed"


def test_resending_is_404_for_an_outsider(world, as_user, delivery):
    _age(delivery, state="failed")
    assert as_user(world.outsider).post(_resend(world, delivery)).status_code == 404


def test_resending_sends_anonymous_visitors_to_sign_in(world, as_user, delivery):
    response = as_user(None).post(_resend(world, delivery))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
