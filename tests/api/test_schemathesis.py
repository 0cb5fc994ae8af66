"""schemathesis against /api/schema/ (property-based, bounded): as an organiser, a gardener
and a member, no operation answers 5xx or breaks the schema it publishes.

Answers the schema does not list (404 for another network's ids, 403 for a refused write)
are the access policy at work: they are checked for being no server error, not for being
documented. Each operation gets a few generated requests, sent to a live server."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from networks.services import api_token_create
from tests.factories import ActivityFactory, MeasureFactory, ObjectiveFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.schemathesis]
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
EXAMPLES = 6  # per operation; each is sent as all three personas


def test_the_api_keeps_to_its_schema(live_server, world, throttle_rates):
    objective = ObjectiveFactory(network=world.network)
    MeasureFactory(objective=objective)
    ActivityFactory(group=world.group, led_by=world.member)
    tokens = [
        api_token_create(user=getattr(world, persona), name="fuzz", scope="read_write")[1]
        for persona in ("organiser", "gardener", "member")
    ]
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20

    sent: dict[int, int] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            # Aim at the personas' own network and group, so answers are more than 404s.
            if "network_slug" in (case.path_parameters or {}):
                case.path_parameters["network_slug"] = world.network.slug
            if "group_slug" in (case.path_parameters or {}):
                case.path_parameters["group_slug"] = world.group.slug
            for token in tokens:
                response = case.call_and_validate(
                    base_url=live_server.url,
                    headers={"Authorization": f"Bearer {token}"},
                    checks=CHECKS,
                )
                sent[response.status_code] = sent.get(response.status_code, 0) + 1

        check()
    # Generated requests reached the views, and some were answered in full.
    assert sum(sent.values()) >= 3 * len(operations)
    assert sent.get(200, 0) > 0, sent
