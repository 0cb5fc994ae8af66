"""The registry is the extension point: a kind registered is routed, documented and
exported with nothing else to change (the referral log will be one)."""

import pytest
from django.urls import clear_url_caches, reverse

from exports import kinds
from exports.formats import Column

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_kind(settings):
    def select(network, access, arguments, query):
        return kinds.Selection("Groups", "groups", network.groups.all())

    def rows(groups):
        for name in groups.order_by("name").values_list("name", flat=True):
            yield (name,)

    kind = kinds.register(
        kinds.Kind(
            slug="test_groups",
            title="Groups (test)",
            description="A kind added by a test.",
            route="test-groups/",
            columns=(Column("name", "The group's name."),),
            select=select,
            rows=rows,
        )
    )
    import importlib

    import config.urls
    import exports.urls

    importlib.reload(exports.urls)
    importlib.reload(config.urls)
    clear_url_caches()
    yield kind
    del kinds.KINDS["test_groups"]
    importlib.reload(exports.urls)
    importlib.reload(config.urls)
    clear_url_caches()


def test_a_registered_kind_is_routed_and_documented(world, as_user, extra_kind):
    client = as_user(world.member)
    response = client.get(reverse("exports:test_groups", args=[world.network.slug]))
    assert b"".join(response.streaming_content).decode("utf-8-sig").splitlines() == [
        "name",
        "Founders Circle",
    ]
    page = client.get(reverse("exports:columns", args=[world.network.slug])).content.decode()
    assert "Groups (test)" in page


def test_a_selection_may_choose_its_own_columns_for_who_asks(world, as_user, extra_kind):
    """As the referral log will for members, who get no client contact details."""

    def select(network, access, arguments, query):
        if access.is_organiser:
            return kinds.Selection("Groups", "groups", network.groups.all())
        return kinds.Selection(
            "Groups",
            "groups",
            network.groups.all(),
            columns=(Column("slug", "The group's slug."),),
            rows=lambda groups: ((slug,) for slug in groups.values_list("slug", flat=True)),
        )

    import dataclasses

    kinds.KINDS["test_groups"] = dataclasses.replace(extra_kind, select=select)
    url = reverse("exports:test_groups", args=[world.network.slug])
    member = b"".join(as_user(world.member).get(url).streaming_content).decode("utf-8-sig")
    organiser = b"".join(as_user(world.organiser).get(url).streaming_content).decode("utf-8-sig")
    assert member.splitlines() == ["slug", "founders"]
    assert organiser.splitlines() == ["name", "Founders Circle"]


def test_a_kind_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        kinds.register(kinds.KINDS["activities"])
