"""URLs of many rows from one reverse(): pages listing hundreds of groups or a page of
cards spent a tenth of their time in {% url %} tags, one per row and link."""

import functools
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# Matches both URL converters a row is named by: `<id:...>` and `<slug:...>`.
SAMPLE = "9999999999"


def url_for_each(name: str, key: str, **kwargs: str) -> Callable[[int | str], str]:
    """value -> reverse(name, kwargs={**kwargs, key: value}), with reverse() called once.
    The row's part (`key`) comes after the network's slug in every pattern, which may hold
    the sample's digits too, so it is found from the right."""
    before, _, after = reverse(name, kwargs={**kwargs, key: SAMPLE}).rpartition(f"/{SAMPLE}/")
    return lambda value: f"{before}/{quote(str(value))}/{after}"


@functools.lru_cache(maxsize=128)
def _network_urls(urlconf: str, prefix: str, name: str) -> Callable[[int | str], str]:
    return url_for_each(name, "network_slug")


def network_url(name: str, network_slug: str) -> str:
    """reverse(name, kwargs={"network_slug": network_slug}) for a page of a network, with
    each name reversed once per URLconf and script prefix (the menu on every page links a
    dozen of them)."""
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _network_urls(urlconf, get_script_prefix(), name)(network_slug)
