from html.parser import HTMLParser

import pytest
from django import forms

from objectives.filters import QuickSelect

CHOICES = [("", "All groups"), ("founders", "Founders Circle"), ("a&b", 'Tom "&" <Jerry>')]


def parsed(html: str) -> list[tuple]:
    """Tags with their attributes (in any order) and text: what a browser reads."""
    found: list[tuple] = []

    class Reader(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            found.append((tag, sorted(attrs)))

        def handle_data(self, data: str) -> None:
            if data.strip():
                found.append(("text", data))

    Reader().feed(html)
    return found


@pytest.mark.parametrize("value", [None, "", "founders", "a&b", "not-a-choice"])
def test_quick_select_writes_what_djangos_select_writes(value):
    attrs = {"id": "id_group", "aria-invalid": "true"}
    quick = QuickSelect(choices=CHOICES).render("group", value, attrs)
    django = forms.Select(choices=CHOICES).render("group", value, attrs)
    assert parsed(quick) == parsed(django)
    assert "<Jerry>" not in quick
