"""URLs of many rows from one reverse(): pages listing hundreds of groups or a page of
cards spent a tenth of their time in {% url %} tags, one per row and link."""

from collections.abc import Callable
from urllib.parse import quote

from django.urls import reverse

# Matches both URL converters a row is named by: `<id:...>` and `<slug:...>`.
SAMPLE = "9999999999"


def url_for_each(name: str, key: str, **kwargs: str) -> Callable[[int | str], str]:
    """value -> reverse(name, kwargs={**kwargs, key: value}), with reverse() called once.
    The row's part (`key`) comes after the network's slug in every pattern, which may hold
    the sample's digits too, so it is found from the right."""
    before, _, after = reverse(name, kwargs={**kwargs, key: SAMPLE}).rpartition(f"/{SAMPLE}/")
    return lambda value: f"{before}/{quote(str(value))}/{after}"
