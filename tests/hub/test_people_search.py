"""People are picked by searching as you type (networks.people): the search endpoint, and
the forms that use it with and without JavaScript."""

import pytest
from django.urls import reverse

from groups.models import Activity
from networks.people import MATCHES
from tests.factories import GroupMembershipFactory, MembershipFactory, UserFactory


def search(world, **params) -> tuple[str, dict]:
    url = reverse("members:search", kwargs={"network_slug": world.network.slug})
    return url, {"field": "user", **params}


def _member(world, **fields):
    person = UserFactory(**fields)
    MembershipFactory(user=person, network=world.network)
    return person


def test_search_matches_name_email_and_organisation(world, as_user):
    by_name = _member(world, name="Rosa Parks-Bell", email="rp@example.org")
    by_email = _member(world, name="Someone", email="rosalind@example.org")
    by_org = _member(world, name="Other", email="o@example.org", organisation="Rosa Co-op")
    _member(world, name="Nobody", email="n@example.org")
    url, params = search(world, user_q="rosa")
    page = as_user(world.member).get(url, params).content.decode()
    for person in (by_name, by_email, by_org):
        assert f'value="{person.pk}"' in page
    assert "Nobody" not in page


def test_search_of_one_or_two_letters_matches_the_start_of_a_field(world, as_user):
    anna = _member(world, name="Anna Lee", email="al@example.org")
    by_org = _member(world, name="Zed", email="z@example.org", organisation="Anglers")
    inside = _member(world, name="Diana Bean", email="db@example.org", organisation="Co")
    url, params = search(world, user_q="an")
    page = as_user(world.member).get(url, params).content.decode()
    assert f'value="{anna.pk}"' in page and f'value="{by_org.pk}"' in page
    assert f'value="{inside.pk}"' not in page
    url, params = search(world, user_q="ian")
    assert f'value="{inside.pk}"' in as_user(world.member).get(url, params).content.decode()


def test_search_shows_a_few_matches_not_everyone(world, as_user):
    for i in range(MATCHES + 5):
        _member(world, name=f"Sam {i}")
    url, params = search(world, user_q="sam")
    page = as_user(world.member).get(url, params).content.decode()
    assert page.count('name="user"') == MATCHES


def test_search_never_shows_people_of_another_network(world, as_user):
    url, params = search(world, user_q="otto")
    page = as_user(world.member).get(url, params).content.decode()
    assert "Otto" not in page and "Nobody matches" in page


def test_search_is_404_for_outsiders_and_sends_anonymous_visitors_to_log_in(world, as_user):
    url, params = search(world, user_q="mia")
    assert as_user(world.outsider).get(url, params).status_code == 404
    assert as_user(None).get(url, params).status_code == 302


def test_search_in_a_group_shows_only_its_members(world, as_user):
    _member(world, name="Mia Outside")
    url, params = search(world, user_q="mia", scope="group", group="founders")
    page = as_user(world.member).get(url, params).content.decode()
    assert "Mia Member" in page and "Mia Outside" not in page


def test_search_for_people_to_add_leaves_out_the_groups_members(world, as_user):
    outside = _member(world, name="Mia Outside")
    url, params = search(world, user_q="mia", scope="outside_group", group="founders")
    page = as_user(world.gardener).get(url, params).content.decode()
    assert f'value="{outside.pk}"' in page and "Mia Member" not in page


def test_search_for_people_to_add_is_for_those_who_manage_the_group(world, as_user):
    url, params = search(world, user_q="mia", scope="outside_group", group="founders")
    assert as_user(world.member).get(url, params).status_code == 403


def test_search_for_a_group_of_another_network_is_404(world, as_user):
    from tests.factories import PeerGroupFactory

    theirs = PeerGroupFactory(network=world.other_network)
    url, params = search(world, user_q="mia", scope="group", group=theirs.slug)
    assert as_user(world.member).get(url, params).status_code == 404


def test_search_keeps_the_chosen_people_checked_and_drops_strangers(world, as_user):
    url, params = search(world, user_q="gary", type="checkbox")
    params["user"] = [str(world.member.pk), str(world.outsider.pk)]
    page = as_user(world.member).get(url, params).content.decode()
    assert f'value="{world.member.pk}" checked' in page
    assert f'value="{world.gardener.pk}">' in page
    assert f'value="{world.outsider.pk}"' not in page


# ---------------------------------------------------------------- the forms


def _group_url(world, name: str) -> str:
    return reverse(
        f"groups:{name}", kwargs={"network_slug": world.network.slug, "group_slug": "founders"}
    )


def test_the_group_page_does_not_list_every_member_of_the_network(world, as_user):
    people = [_member(world, name=f"Person {i}") for i in range(30)]
    page = as_user(world.organiser).get(_group_url(world, "detail")).content.decode()
    assert not any(p.email in page for p in people)
    assert "<select" not in page.split("Member of the network")[1].split("</div>")[0]


def test_without_javascript_a_member_is_added_by_email(world, as_user):
    person = _member(world, email="new.person@example.org")
    response = as_user(world.gardener).post(
        _group_url(world, "member_add"), {"user_q": "New.Person@example.org"}
    )
    assert response.status_code == 302
    assert world.group.memberships.filter(user=person).exists()


def test_without_javascript_typed_text_offers_its_matches_to_choose_from(world, as_user):
    person = _member(world, name="Nadia Newcomer")
    response = as_user(world.gardener).post(_group_url(world, "member_add"), {"user_q": "nadia"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Choose a person from the matches below" in page
    assert f'name="user" value="{person.pk}"' in page


def test_an_email_outside_the_network_is_refused(world, as_user):
    response = as_user(world.gardener).post(
        _group_url(world, "member_add"), {"user_q": world.outsider.email}
    )
    assert response.status_code == 422
    assert "not among the people you can choose here" in response.content.decode()
    assert not world.group.memberships.filter(user=world.outsider).exists()


def test_participants_can_be_given_by_email_without_javascript(world, as_user):
    second = _member(world, email="second@example.org")
    GroupMembershipFactory(group=world.group, user=second)
    data = {
        "kind": "meeting_hosted",
        "title": "Breakfast",
        "occurred_on": world.network.today().isoformat(),
        "people_reached": 3,
        "participants": [world.member.pk],
        "participants_q": "second@example.org",
    }
    response = as_user(world.gardener).post(_group_url(world, "activity_create"), data)
    assert response.status_code == 302
    assert set(Activity.objects.get().participants.all()) == {world.member, second}


@pytest.mark.parametrize("value", ["member", "q"])
def test_the_activity_log_filters_by_a_member_chosen_or_typed(world, as_user, value):
    from tests.factories import ActivityFactory

    ActivityFactory(group=world.group, led_by=world.member, title="Mias talk")
    ActivityFactory(group=world.group, led_by=world.gardener, title="Garys talk")
    params = {"member": world.member.pk} if value == "member" else {"member_q": world.member.email}
    url = reverse("groups:activities", kwargs={"network_slug": world.network.slug})
    page = as_user(world.organiser).get(url, params).content.decode()
    assert "Mias talk" in page and "Garys talk" not in page
