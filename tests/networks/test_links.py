from django.urls import reverse, set_script_prefix

from networks.links import SAMPLE, network_url, url_for_each


def test_url_for_each_gives_what_reverse_gives_for_each_id():
    url = url_for_each("groups:activity_edit", "activity_id", network_slug="riverside")
    assert url(42) == reverse(
        "groups:activity_edit", kwargs={"network_slug": "riverside", "activity_id": 42}
    )


def test_url_for_each_puts_the_row_after_a_network_slug_that_looks_like_the_sample():
    url = url_for_each("groups:detail", "group_slug", network_slug=SAMPLE)
    assert url("makers") == reverse(
        "groups:detail", kwargs={"network_slug": SAMPLE, "group_slug": "makers"}
    )


def test_network_url_gives_what_reverse_gives():
    assert network_url("objectives:dashboard", "riverside") == reverse(
        "objectives:dashboard", kwargs={"network_slug": "riverside"}
    )


def test_network_url_puts_a_slug_that_looks_like_the_sample_in_its_place():
    assert network_url("network_home", SAMPLE) == reverse(
        "network_home", kwargs={"network_slug": SAMPLE}
    )


def test_network_url_follows_the_script_prefix():
    set_script_prefix("/grove/")
    try:
        assert network_url("members:list", "riverside") == "/grove/n/riverside/members/"
    finally:
        set_script_prefix("/")
