"""Every referral page and action for each persona; the outsider gets 404, anonymous the
sign-in page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from referrals.models import Referral
from referrals.services import referral_move
from tests.queries import MENU
from tests.referrals.conftest import make_referral

pytestmark = pytest.mark.django_db

PERSONAS = ["organiser", "gardener", "concierge", "colleague", "bystander", "elsewhere",
            "outsider"]  # fmt: skip


def _person(cng, name):
    if name in ("organiser", "gardener", "outsider"):
        return getattr(cng.world, name)
    return getattr(cng, name)


def _url(name: str, cng, **kwargs) -> str:
    return reverse(f"referrals:{name}", kwargs={"network_slug": cng.world.network.slug, **kwargs})


def _status(as_user, cng, persona, url):
    return as_user(_person(cng, persona)).get(url).status_code


BOARD = {"organiser": 200, "gardener": 200, "concierge": 200, "colleague": 200,
         "bystander": 200, "elsewhere": 403, "outsider": 404}  # fmt: skip
NEW = {"organiser": 403, "gardener": 200, "concierge": 200, "colleague": 200,
       "bystander": 200, "elsewhere": 403, "outsider": 404}  # fmt: skip
DETAIL = {"organiser": 200, "gardener": 200, "concierge": 200, "colleague": 200,
          "bystander": 200, "elsewhere": 404, "outsider": 404}  # fmt: skip
MINE = dict.fromkeys(PERSONAS, 200) | {"outsider": 404}
FOLLOW_UP = dict.fromkeys(PERSONAS, 403) | {"organiser": 200, "gardener": 200, "outsider": 404}
PRIVACY = dict.fromkeys(PERSONAS, 403) | {"organiser": 200, "outsider": 404}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_board(cng, referral, as_user, persona):
    assert (
        _status(as_user, cng, persona, _url("board", cng, group_slug="founders")) == BOARD[persona]
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_new_referral_page(cng, as_user, persona):
    assert _status(as_user, cng, persona, _url("new", cng, group_slug="founders")) == NEW[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_referral_page(cng, referral, as_user, persona):
    url = _url("detail", cng, referral_id=referral.pk)
    assert _status(as_user, cng, persona, url) == DETAIL[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_my_referrals(cng, as_user, persona):
    assert _status(as_user, cng, persona, _url("mine", cng)) == MINE[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_follow_up_interval_page(cng, as_user, persona):
    url = _url("follow_up", cng, group_slug="founders")
    assert _status(as_user, cng, persona, url) == FOLLOW_UP[persona]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_privacy_page(cng, as_user, persona):
    assert _status(as_user, cng, persona, _url("privacy", cng)) == PRIVACY[persona]


@pytest.mark.parametrize(
    "name,kwargs",
    [("mine", {}), ("board", {"group_slug": "founders"}), ("new", {"group_slug": "founders"}),
     ("detail", {"referral_id": 1}), ("privacy", {})],
)  # fmt: skip
def test_anonymous_people_are_sent_to_sign_in(cng, as_user, name, kwargs):
    response = as_user(None).get(_url(name, cng, **kwargs))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_board_of_a_group_that_is_not_a_cng_is_not_found(cng, as_user):
    cng.group.is_cng = False
    cng.group.save()
    assert _status(as_user, cng, "concierge", _url("board", cng, group_slug="founders")) == 404


def test_the_board_has_a_column_per_status(cng, referral, as_user):
    page = as_user(cng.concierge).get(_url("board", cng, group_slug="founders"))
    assert [c["status"] for c in page.context["columns"]] == [
        "made", "accepted", "in_progress", "served", "closed", "declined"
    ]  # fmt: skip
    assert page.context["columns"][0]["cards"] == [referral]


def test_the_board_runs_the_same_queries_for_few_and_many_referrals(cng, as_user):
    client = as_user(cng.concierge)
    board = _url("board", cng, group_slug="founders")
    make_referral(cng)
    client.get(board)
    with CaptureQueriesContext(connection) as few:
        client.get(board)
    for _ in range(12):
        referral_move(referral=make_referral(cng), to="accepted", by=cng.colleague)
    with CaptureQueriesContext(connection) as many:
        client.get(board)
    # session, user, network, access (2), the group, its referrals with their people, the
    # totals and day spans (the group's own follow-up interval needs no query), the menu
    assert len(few) == len(many) == 9 + MENU


def test_the_board_answers_htmx_with_the_board_alone(cng, referral, as_user):
    page = as_user(cng.concierge).get(
        _url("board", cng, group_slug="founders"), HTTP_HX_REQUEST="true"
    )
    body = page.content.decode()
    assert body.lstrip().startswith('<div id="board"') and "<html" not in body


def test_the_colleague_sees_a_button_for_each_quick_move_on_the_card(cng, referral, as_user):
    body = as_user(cng.colleague).get(_url("board", cng, group_slug="founders")).content.decode()
    assert ">Accept<" in body and "Decline…" in body
    assert 'name="to" value="accepted"' in body


def test_a_move_without_javascript_returns_to_the_board(cng, referral, as_user):
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk), {"to": "accepted", "from": "board"}
    )
    assert response.status_code == 302 and response.url.endswith("/referrals/g/founders/")
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_a_move_with_htmx_swaps_the_board(cng, referral, as_user):
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk),
        {"to": "accepted", "from": "board"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert response.context["columns"][1]["cards"] == [referral]


def test_a_move_this_person_may_not_make_is_refused_with_a_message_and_no_change(
    cng, referral, as_user
):
    response = as_user(cng.concierge).post(
        _url("move", cng, referral_id=referral.pk), {"to": "accepted"}
    )
    assert response.status_code == 422
    assert "Only the colleague may do that." in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "made"


def test_a_bystander_cannot_move_a_referral(cng, referral, as_user):
    response = as_user(cng.bystander).post(
        _url("move", cng, referral_id=referral.pk), {"to": "accepted", "from": "board"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "made"


def test_declining_without_a_reason_shows_why_and_changes_nothing(cng, referral, as_user):
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk), {"to": "declined", "reason": ""}
    )
    assert response.status_code == 422
    assert "Say why you decline" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "made"


def _served(cng) -> Referral:
    referral = make_referral(cng)
    for step in ("accepted", "in_progress", "served"):
        referral_move(referral=referral, to=step, by=cng.colleague)
    return referral


def test_closing_with_a_negative_value_shows_why_and_changes_nothing(cng, as_user):
    referral = _served(cng)
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk), {"to": "closed", "value": "-10"}
    )
    assert response.status_code == 422
    assert "The value cannot be negative" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == "served"


def test_closing_asks_for_a_value_or_no_business(cng, as_user):
    referral = _served(cng)
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk), {"to": "closed"}
    )
    assert "Give the business value, or tick" in response.content.decode()


def test_the_colleague_closes_with_a_value_and_thanks(cng, as_user):
    referral = _served(cng)
    response = as_user(cng.colleague).post(
        _url("move", cng, referral_id=referral.pk),
        {"to": "closed", "value": "2500", "thanks": "Thanks, Mia!"},
    )
    assert response.status_code == 302
    page = as_user(cng.concierge).get(_url("detail", cng, referral_id=referral.pk)).content.decode()
    assert "£2,500" in page and "Thanks, Mia!" in page


def test_the_concierge_makes_a_referral_from_the_form(cng, as_user):
    response = as_user(cng.concierge).post(
        _url("new", cng, group_slug="founders"),
        {"need": "Needs bookkeeping", "receiver": cng.colleague.pk, "client_name": "Dan Client",
         "client_email": "dan@client.example", "consent": "spoken"},
    )  # fmt: skip
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == referral.get_absolute_url()
    assert (referral.referrer, referral.receiver, referral.client.name) == (
        cng.concierge, cng.colleague, "Dan Client"
    )  # fmt: skip


def test_the_form_refuses_a_colleague_outside_the_group(cng, as_user):
    response = as_user(cng.concierge).post(
        _url("new", cng, group_slug="founders"),
        {"need": "Needs bookkeeping", "receiver": cng.elsewhere.pk, "client_name": "Dan"},
    )
    assert "The colleague must be a member of this group." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_form_refuses_a_follow_up_date_in_the_past(cng, as_user):
    response = as_user(cng.concierge).post(
        _url("new", cng, group_slug="founders"),
        {"need": "x", "receiver": cng.colleague.pk, "client_name": "Dan",
         "follow_up_on": "2020-01-01"},
    )  # fmt: skip
    assert "The follow-up date is in the past." in response.content.decode()
    assert not Referral.objects.exists()


def test_the_form_suggests_colleagues_for_the_need_through_htmx(cng, as_user):
    response = as_user(cng.concierge).get(
        _url("new", cng, group_slug="founders"), {"need": "accountant"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="suggestions"') and "Cole Colleague" in body


def test_the_gardener_sets_the_follow_up_interval(cng, as_user):
    response = as_user(cng.world.gardener).post(
        _url("follow_up", cng, group_slug="founders"), {"days": "10"}
    )
    assert response.status_code == 302
    cng.group.refresh_from_db()
    assert cng.group.follow_up_days == 10


def test_an_interval_out_of_bounds_is_refused(cng, as_user):
    response = as_user(cng.world.gardener).post(
        _url("follow_up", cng, group_slug="founders"), {"days": "0"}
    )
    assert "at least 1 day" in response.content.decode()
    cng.group.refresh_from_db()
    assert cng.group.follow_up_days == 7


def test_my_referrals_lists_overdue_follow_ups_first(cng, as_user):
    import datetime as dt

    quiet = make_referral(cng, need="Quiet one")
    Referral.objects.filter(pk=quiet.pk).update(made_on=dt.date.today() - dt.timedelta(days=20))
    fresh = make_referral(cng, need="Fresh one")
    page = as_user(cng.concierge).get(_url("mine", cng))
    assert page.context["due"] == [quiet]
    assert page.context["given"] == [fresh]


def test_the_menu_shows_referrals_to_members_of_a_cng_only(cng, as_user):
    home = reverse("network_home", kwargs={"network_slug": cng.world.network.slug})
    assert ">Referrals<" in as_user(cng.concierge).get(home).content.decode()
    assert ">Referrals<" not in as_user(cng.elsewhere).get(home).content.decode()


def test_the_console_links_each_overdue_referral(cng, as_user):
    import datetime as dt

    referral = make_referral(cng)
    Referral.objects.filter(pk=referral.pk).update(made_on=dt.date.today() - dt.timedelta(days=9))
    body = (
        as_user(cng.world.gardener)
        .get(reverse("objectives:console", kwargs={"network_slug": cng.world.network.slug}))
        .content.decode()
    )
    assert f'href="{referral.get_absolute_url()}"' in body


def test_the_referral_page_tells_the_whole_story(cng, referral, as_user):
    import datetime as dt

    from referrals.services import touchpoint_add

    referral_move(referral=referral, to="accepted", by=cng.colleague)
    touchpoint_add(referral=referral, author=cng.concierge, kind="colleague",
                   note="Cole will call Clara on Monday", happened_on=dt.date.today())  # fmt: skip
    page = as_user(cng.world.gardener).get(referral.get_absolute_url()).content.decode()
    assert "Mia Member</strong> made the referral." in page
    assert "Made → Accepted" in page
    assert "checked in with the colleague: Cole will call Clara on Monday" in page


def test_the_concierge_logs_a_touchpoint_from_the_page(cng, referral, as_user):
    import datetime as dt

    url = _url("touchpoint", cng, referral_id=referral.pk)
    response = as_user(cng.concierge).post(
        url, {"kind": "client", "note": "Called Clara", "happened_on": dt.date.today().isoformat(),
              "follow_up_on": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.follow_up_on == dt.date.today() + dt.timedelta(days=3)


def test_a_touchpoint_with_a_follow_up_in_the_past_is_refused_on_the_page(cng, referral, as_user):
    import datetime as dt

    response = as_user(cng.concierge).post(
        _url("touchpoint", cng, referral_id=referral.pk),
        {"kind": "client", "note": "Called", "happened_on": dt.date.today().isoformat(),
         "follow_up_on": "2020-01-01"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "The follow-up date is in the past." in response.content.decode()
    assert not referral.touchpoints.exists()


def test_the_console_says_since_when_a_quiet_referral_has_had_no_touchpoint(cng, as_user):
    import datetime as dt

    referral = make_referral(cng)
    made = dt.date.today() - dt.timedelta(days=9)
    Referral.objects.filter(pk=referral.pk).update(made_on=made)
    body = (
        as_user(cng.world.gardener)
        .get(reverse("objectives:console", kwargs={"network_slug": cng.world.network.slug}))
        .content.decode()
    )
    assert "no touchpoint since" in body


def test_the_group_page_links_its_referral_board_for_those_who_see_it(cng, as_user):
    page = reverse("groups:detail", kwargs={"network_slug": cng.world.network.slug,
                                            "group_slug": "founders"})  # fmt: skip
    board = _url("board", cng, group_slug="founders")
    assert f'href="{board}"' in as_user(cng.bystander).get(page).content.decode()
