"""'Archive' on an objective asks first, on a page that works without JavaScript."""

import pytest
from django.urls import reverse

from tests.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objective(world):
    return ObjectiveFactory(network=world.network, title="Grow peer learning")


def archive_url(world, objective) -> str:
    return reverse(
        "objectives:archive",
        kwargs={"network_slug": world.network.slug, "objective_id": objective.pk},
    )


def test_objective_page_links_to_the_archive_question_instead_of_posting(world, as_user, objective):
    body = as_user(world.organiser).get(objective.get_absolute_url()).content.decode()
    assert (
        f'<a class="button small danger" href="{archive_url(world, objective)}">Archive</a>' in body
    )


def test_the_archive_question_names_the_objective_and_posts_back(world, as_user, objective):
    body = as_user(world.organiser).get(archive_url(world, objective)).content.decode()
    assert "Archive “Grow peer learning”?" in body
    assert f'<form method="post" action="{archive_url(world, objective)}">' in body


def test_asking_archives_nothing(world, as_user, objective):
    as_user(world.organiser).get(archive_url(world, objective))
    objective.refresh_from_db()
    assert objective.archived_at is None


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_the_archive_question_is_403_for_non_organisers(world, as_user, persona, objective):
    response = as_user(getattr(world, persona)).get(archive_url(world, objective))
    assert response.status_code == 403


def test_the_archive_question_is_404_for_an_outsider(world, as_user, objective):
    assert as_user(world.outsider).get(archive_url(world, objective)).status_code == 404


def test_the_archive_question_sends_anonymous_visitors_to_login(world, as_user, objective):
    response = as_user(None).get(archive_url(world, objective))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_archived_objective_is_not_asked_about_again(world, as_user, objective):
    client = as_user(world.organiser)
    client.post(archive_url(world, objective))
    response = client.get(archive_url(world, objective))
    assert response.status_code == 302
    assert response["Location"] == objective.get_absolute_url()
