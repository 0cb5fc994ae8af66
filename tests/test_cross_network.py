"""Every URL, for every persona, with another network's ids: 404 and nothing written.

The walk reads the URLconf itself, so a page added later is checked without anyone adding
it here; a URL parameter this file cannot fill fails the test until it learns how.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from networks.ids import MAX_ID
from networks.models import Network, User
from objectives.models import ReportDelivery
from tests.factories import (
    ActivityFactory,
    ExportJobFactory,
    GroupMembershipFactory,
    InvitationFactory,
    MeasureFactory,
    MemberImportFactory,
    MembershipFactory,
    ObjectiveFactory,
    PeerGroupFactory,
    ProgressReportFactory,
    ReferralFactory,
    SoundBiteFactory,
    UserFactory,
)
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

NETWORK_PREFIX = "n/<slug:network_slug>/"
# Top-level pages outside any network, and why the walk leaves them out.
OUTSIDE_NETWORKS = {
    "admin/": "Django's admin: staff only, checked by the admin site itself",
    "accounts/": "sign-in, sign-out and password pages: no network objects",
    "invitations/<str:token>/": "the token is the credential: see test_invitation_binding.py",
    "healthz": "no objects",
    "feedback/<str:token>/": "the token is the credential: see tests/referrals/test_feedback.py",
    "profile/": "one's own profile: no network's objects, see tests/hub/test_profiles.py",
    "api/": "the API: tests/api/test_api_cross_network.py walks it the same way",
    "": "the redirect to one's own network",
}  # fmt: skip
# Anything a careless view might act on if it skipped its checks.
POST_DATA = {
    "position": "0",
    "role": "gardener",
    "restore": "1",
    "text": "A sound bite",
    "name": "Renamed",
    "title": "Renamed",
    "email": "someone@example.org",
    "value": "5",
}


def routes(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    """Every URL pattern of the site as one route string, e.g. "n/<slug:network>/members/"."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, route)
        else:
            assert isinstance(entry, URLPattern)
            yield route


def network_routes() -> list[str]:
    found = []
    for route in routes():
        if route.startswith(NETWORK_PREFIX):
            found.append(route)
        else:
            top = next((p for p in OUTSIDE_NETWORKS if p and route.startswith(p)), None)
            assert top is not None or route in OUTSIDE_NETWORKS, (
                f"{route!r} is outside /n/<network>/: walk it here or list it in "
                "OUTSIDE_NETWORKS with the reason"
            )
    return found


PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def fill(route: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match["name"]
        assert name in values, f"{route}: teach tests/test_cross_network.py a value for <{name}>"
        return values[name]

    return "/" + PARAMETER.sub(value, route)


def objects_of(network: Network) -> dict[str, str]:
    """One object of every kind a URL names, in `network`, as URL values."""
    group = PeerGroupFactory(network=network)
    person = UserFactory()
    MembershipFactory(user=person, network=network)
    membership = GroupMembershipFactory(group=group, user=person)
    objective = ObjectiveFactory(network=network)
    report = ProgressReportFactory(group=group)
    delivery = ReportDelivery.objects.create(
        report=report, user=person, channel=ReportDelivery.Channel.EMAIL,
        state=ReportDelivery.State.FAILED,
    )  # fmt: skip
    cng = PeerGroupFactory(network=network, is_cng=True)
    colleague = UserFactory()
    for someone in (person, colleague):
        GroupMembershipFactory(group=cng, user=someone)
    referral = ReferralFactory(group=cng, referrer=person, receiver=colleague)
    webhook = WebhookEndpoint.objects.create(
        network=network, url="https://hooks.example.org/grove", events=["activity.logged"]
    )
    webhook_delivery = WebhookDelivery.objects.create(
        endpoint=webhook, event="activity.logged", message_id=f"msg_{network.slug}_{person.pk}",
        payload={}, state=WebhookDelivery.State.FAILED,
    )  # fmt: skip
    return {
        "network_slug": network.slug,
        "webhook_id": str(webhook.pk),
        "webhook_delivery_id": str(webhook_delivery.pk),
        "group_slug": group.slug,
        "activity_id": str(ActivityFactory(group=group, led_by=person).pk),
        "objective_id": str(objective.pk),
        "measure_id": str(MeasureFactory(objective=objective).pk),
        "report_id": str(report.pk),
        "delivery_id": str(delivery.pk),
        "membership_id": str(membership.pk),
        "invitation_id": str(InvitationFactory(network=network, group=group).pk),
        "bite_id": str(SoundBiteFactory(network=network).pk),
        "user_id": str(person.pk),
        "referral_id": str(referral.pk),
        "client_id": str(referral.client_id),
        "job_id": str(ExportJobFactory(network=network, owner=person).pk),
        "import_id": str(MemberImportFactory(network=network, owner=person).pk),
    }


@dataclass
class Case:
    persona: str
    user: User | None
    home: Network
    foreign: dict[str, str]


@pytest.fixture
def cases(world) -> list[Case]:
    # Make the outsider's network as full as the world's, so both sides hold every kind.
    objects_of(world.network)
    theirs = objects_of(world.other_network)
    ours = objects_of(world.network)
    return [
        Case("organiser", world.organiser, world.network, theirs),
        Case("gardener", world.gardener, world.network, theirs),
        Case("member", world.member, world.network, theirs),
        Case("outsider", world.outsider, world.other_network, ours),
        Case("anonymous", None, world.network, theirs),
    ]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def requests_for(case: Case) -> Iterator[tuple[str, dict[str, str]]]:
    """(route, values) for each network URL with the other network's objects: first under
    the persona's own network (where those objects are not), then under the other network."""
    for route in network_routes():
        names = {m["name"] for m in PARAMETER.finditer(route)}
        if names != {"network_slug"}:
            yield route, case.foreign | {"network_slug": case.home.slug}
        yield route, case.foreign


def test_the_walk_covers_every_network_page():
    assert len(network_routes()) >= 40


def test_no_url_takes_an_unbounded_int():
    unbounded = [route for route in routes() if "<int:" in route]
    assert unbounded == [], "use <id:...>: it answers 404 for ids past 2**63 - 1"


@pytest.mark.parametrize("persona", ["organiser", "gardener", "member", "outsider", "anonymous"])
def test_another_networks_ids_answer_404_and_change_nothing(cases, persona):
    case = next(c for c in cases if c.persona == persona)
    client = Client()
    if case.user is not None:
        client.force_login(case.user)
    before = row_counts()
    wrong = []
    for route, values in requests_for(case):
        path = fill(route, values)
        for method in ("get", "post"):
            response = getattr(client, method)(path, POST_DATA if method == "post" else None)
            if case.user is None:
                ok = response.status_code == 302 and "/accounts/login/" in response["Location"]
            elif response.status_code == 405:
                # A view refusing the method does so for any id: as for an id that is nowhere.
                nowhere = {k: str(MAX_ID) for k in values} | {
                    "network_slug": values["network_slug"]
                }
                ok = getattr(client, method)(fill(route, nowhere)).status_code == 405
            else:
                ok = response.status_code == 404
            if not ok:
                wrong.append(f"{method.upper()} {path} -> {response.status_code}")
    assert wrong == []
    assert row_counts() == before


@pytest.mark.parametrize("persona", ["organiser", "member"])
def test_ids_past_a_64_bit_integer_answer_404(world, as_user, persona):
    client = as_user(getattr(world, persona))
    too_big = str(MAX_ID + 1)
    for route in network_routes():
        names = {m["name"] for m in PARAMETER.finditer(route)}
        ids = {m["name"] for m in PARAMETER.finditer(route) if m["converter"] == "id"}
        if not ids:
            continue
        values = dict.fromkeys(names, "founders") | dict.fromkeys(ids, too_big)
        path = fill(route, values | {"network_slug": world.network.slug})
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code == 404, path
