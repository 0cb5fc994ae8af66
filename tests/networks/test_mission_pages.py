import pytest
from django.urls import reverse

from networks.models import Network, SoundBite
from tests.factories import SoundBiteFactory

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, world, **kwargs) -> str:
    return reverse(f"networks:{name}", kwargs={"network_slug": world.network.slug, **kwargs})


def mission(world) -> str:
    return Network.objects.get(pk=world.network.pk).mission


def bites(world) -> list[str]:
    return list(SoundBite.objects.filter(network=world.network).values_list("text", flat=True))


# mission and vision


def test_organiser_gets_the_mission_form_as_a_page(world, as_user):
    response = as_user(world.organiser).get(url("mission_edit", world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" in body
    assert world.network.mission in body


def test_mission_form_under_htmx_is_only_the_section(world, as_user):
    response = as_user(world.organiser).get(url("mission_edit", world), **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="mission"' in body
    assert 'name="mission"' in body


def test_cancel_under_htmx_swaps_the_read_only_section_back(world, as_user):
    response = as_user(world.organiser).get(url("mission_edit", world) + "?cancel=1", **HX)
    body = response.content.decode()
    assert 'name="mission"' not in body
    assert world.network.mission in body
    assert "Edit mission and vision" in body


def test_saving_the_mission_redirects_home_without_htmx(world, as_user):
    response = as_user(world.organiser).post(
        url("mission_edit", world), {"mission": "Reach every founder.", "vision": "No one alone."}
    )
    assert response.status_code == 302
    assert response["Location"] == world.network.get_absolute_url()
    network = Network.objects.get(pk=world.network.pk)
    assert (network.mission, network.vision) == ("Reach every founder.", "No one alone.")


def test_saving_the_mission_under_htmx_returns_the_updated_section(world, as_user):
    response = as_user(world.organiser).post(
        url("mission_edit", world), {"mission": "Reach every founder.", "vision": ""}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Reach every founder." in body
    assert "Mission last changed by Olive Organiser" in body


def test_mission_change_is_recorded_in_history_with_the_user(world, as_user):
    as_user(world.organiser).post(
        url("mission_edit", world), {"mission": "Reach every founder.", "vision": "V"}
    )
    record = world.network.history.order_by("-history_id").first()
    assert record.mission == "Reach every founder."
    assert record.history_user == world.organiser


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "Write the mission"),
        ("   ", "Write the mission"),
        ("x" * 1001, "at most 1000 characters"),
    ],
)
def test_bad_mission_is_refused_next_to_the_field_and_changes_nothing(
    world, as_user, text, message
):
    response = as_user(world.organiser).post(
        url("mission_edit", world), {"mission": text, "vision": "ok"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_mission_error"' in body
    assert message in body
    assert mission(world) == world.network.mission


def test_overlong_vision_is_refused(world, as_user):
    response = as_user(world.organiser).post(
        url("mission_edit", world), {"mission": "Fine", "vision": "v" * 1001}
    )
    assert 'id="id_vision_error"' in response.content.decode()
    assert mission(world) == world.network.mission


def test_bad_mission_under_htmx_returns_the_form_with_the_error(world, as_user):
    response = as_user(world.organiser).post(
        url("mission_edit", world), {"mission": "", "vision": ""}, **HX
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "Write the mission" in body


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_mission_edit_is_forbidden_to_non_organisers(world, as_user, persona):
    client = as_user(getattr(world, persona))
    assert client.get(url("mission_edit", world)).status_code == 403
    response = client.post(url("mission_edit", world), {"mission": "Hijacked", "vision": ""})
    assert response.status_code == 403
    assert mission(world) == world.network.mission


def test_mission_edit_is_404_for_an_outsider(world, as_user):
    response = as_user(world.outsider).post(url("mission_edit", world), {"mission": "Hijacked"})
    assert response.status_code == 404
    assert mission(world) == world.network.mission


def test_mission_edit_sends_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).post(url("mission_edit", world), {"mission": "Hijacked"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert mission(world) == world.network.mission


def test_admin_may_edit_any_mission(world, as_user):
    as_user(world.admin).post(url("mission_edit", world), {"mission": "Admin's", "vision": ""})
    assert mission(world) == "Admin's"


# sound bites


def test_sound_bites_page_lists_them_for_an_organiser(world, as_user):
    SoundBiteFactory(network=world.network, text="Nobody builds alone.")
    response = as_user(world.organiser).get(url("sound_bites", world))
    assert response.status_code == 200
    assert "Nobody builds alone." in response.content.decode()


def test_sound_bites_under_htmx_is_only_the_editor(world, as_user):
    body = as_user(world.organiser).get(url("sound_bites", world), **HX).content.decode()
    assert "<html" not in body
    assert 'id="soundbites"' in body
    assert 'name="text"' in body


def test_done_under_htmx_returns_the_read_only_sound_bites(world, as_user):
    SoundBiteFactory(network=world.network, text="Nobody builds alone.")
    response = as_user(world.organiser).get(url("sound_bites", world) + "?done=1", **HX)
    body = response.content.decode()
    assert "Nobody builds alone." in body
    assert 'name="text"' not in body
    assert "Edit sound bites" in body


def test_adding_a_sound_bite_puts_it_last_and_redirects(world, as_user):
    SoundBiteFactory(network=world.network, text="First", position=0)
    response = as_user(world.organiser).post(url("sound_bites", world), {"text": " Second "})
    assert response.status_code == 302
    assert response["Location"] == url("sound_bites", world)
    assert bites(world) == ["First", "Second"]


def test_adding_a_sound_bite_under_htmx_returns_the_editor(world, as_user):
    response = as_user(world.organiser).post(url("sound_bites", world), {"text": "New"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert "New" in body
    assert bites(world) == ["New"]


@pytest.mark.parametrize(
    "text, message",
    [("", "Write the sound bite"), ("   ", "Write the sound bite"), ("x" * 201, "Keep it short")],
)
def test_bad_sound_bite_is_refused_and_changes_nothing(world, as_user, text, message):
    response = as_user(world.organiser).post(url("sound_bites", world), {"text": text})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_text_error"' in body
    assert message in body
    assert bites(world) == []


def test_duplicate_sound_bite_is_refused(world, as_user):
    SoundBiteFactory(network=world.network, text="Nobody builds alone.")
    response = as_user(world.organiser).post(
        url("sound_bites", world), {"text": "nobody builds ALONE."}, **HX
    )
    assert "on the list already" in response.content.decode()
    assert bites(world) == ["Nobody builds alone."]


def test_moving_a_sound_bite_up_reorders_the_list(world, as_user):
    SoundBiteFactory(network=world.network, text="A", position=0)
    SoundBiteFactory(network=world.network, text="B", position=1)
    c = SoundBiteFactory(network=world.network, text="C", position=2)
    response = as_user(world.organiser).post(
        url("sound_bite_move", world, bite_id=c.pk), {"position": 0}
    )
    assert response.status_code == 302
    assert bites(world) == ["C", "A", "B"]
    assert list(
        SoundBite.objects.filter(network=world.network).values_list("position", flat=True)
    ) == [0, 1, 2]


def test_moving_a_sound_bite_down_under_htmx_returns_the_editor(world, as_user):
    a = SoundBiteFactory(network=world.network, text="A", position=0)
    SoundBiteFactory(network=world.network, text="B", position=1)
    response = as_user(world.organiser).post(
        url("sound_bite_move", world, bite_id=a.pk), {"position": 1}, **HX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.index(">B<") < body.index(">A<")
    assert bites(world) == ["B", "A"]


def test_moving_past_the_end_puts_it_last(world, as_user):
    a = SoundBiteFactory(network=world.network, text="A", position=0)
    SoundBiteFactory(network=world.network, text="B", position=1)
    as_user(world.organiser).post(url("sound_bite_move", world, bite_id=a.pk), {"position": 99})
    assert bites(world) == ["B", "A"]


@pytest.mark.parametrize("position", ["-1", "up", ""])
def test_bad_position_changes_nothing(world, as_user, position):
    a = SoundBiteFactory(network=world.network, text="A", position=0)
    SoundBiteFactory(network=world.network, text="B", position=1)
    as_user(world.organiser).post(
        url("sound_bite_move", world, bite_id=a.pk), {"position": position}
    )
    assert bites(world) == ["A", "B"]


def test_removing_a_sound_bite_renumbers_the_rest(world, as_user):
    SoundBiteFactory(network=world.network, text="A", position=0)
    b = SoundBiteFactory(network=world.network, text="B", position=1)
    SoundBiteFactory(network=world.network, text="C", position=2)
    response = as_user(world.organiser).post(url("sound_bite_delete", world, bite_id=b.pk))
    assert response.status_code == 302
    assert bites(world) == ["A", "C"]
    positions = SoundBite.objects.filter(network=world.network).values_list("position", flat=True)
    assert list(positions) == [0, 1]


def test_removing_a_sound_bite_under_htmx_returns_the_editor(world, as_user):
    b = SoundBiteFactory(network=world.network, text="Gone soon")
    response = as_user(world.organiser).post(url("sound_bite_delete", world, bite_id=b.pk), **HX)
    assert response.status_code == 200
    assert "Gone soon" not in response.content.decode()


def test_sound_bite_changes_are_kept_in_history(world, as_user):
    b = SoundBiteFactory(network=world.network, text="Gone soon")
    as_user(world.organiser).post(url("sound_bite_delete", world, bite_id=b.pk))
    record = SoundBite.history.filter(id=b.pk).order_by("-history_id").first()
    assert record.history_type == "-"
    assert record.history_user == world.organiser


def test_move_and_delete_need_post(world, as_user):
    b = SoundBiteFactory(network=world.network)
    client = as_user(world.organiser)
    assert client.get(url("sound_bite_move", world, bite_id=b.pk)).status_code == 405
    assert client.get(url("sound_bite_delete", world, bite_id=b.pk)).status_code == 405


@pytest.mark.parametrize("persona", ["gardener", "member"])
def test_sound_bite_changes_are_forbidden_to_non_organisers(world, as_user, persona):
    b = SoundBiteFactory(network=world.network, text="Keep me")
    client = as_user(getattr(world, persona))
    assert client.get(url("sound_bites", world)).status_code == 403
    assert client.post(url("sound_bites", world), {"text": "Mine"}).status_code == 403
    assert (
        client.post(url("sound_bite_move", world, bite_id=b.pk), {"position": 0}).status_code == 403
    )
    assert client.post(url("sound_bite_delete", world, bite_id=b.pk)).status_code == 403
    assert bites(world) == ["Keep me"]


def test_sound_bites_are_404_for_an_outsider(world, as_user):
    b = SoundBiteFactory(network=world.network, text="Keep me")
    client = as_user(world.outsider)
    assert client.get(url("sound_bites", world)).status_code == 404
    assert client.post(url("sound_bite_delete", world, bite_id=b.pk)).status_code == 404
    assert bites(world) == ["Keep me"]


def test_another_networks_sound_bite_is_404_even_for_an_organiser(world, as_user):
    theirs = SoundBiteFactory(network=world.other_network, text="Theirs")
    response = as_user(world.organiser).post(url("sound_bite_delete", world, bite_id=theirs.pk))
    assert response.status_code == 404
    assert SoundBite.objects.filter(pk=theirs.pk).exists()


def test_sound_bites_send_anonymous_visitors_to_login(world, as_user):
    response = as_user(None).get(url("sound_bites", world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_mission_form_opened_by_htmx_takes_the_keyboard_focus(world, as_user):
    body = as_user(world.organiser).get(url("mission_edit", world), **HX).content.decode()
    assert "autofocus" in body
