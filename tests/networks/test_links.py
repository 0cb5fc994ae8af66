from django.urls import reverse

from networks.links import SAMPLE, url_for_each


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
