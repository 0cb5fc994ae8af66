"""Picking people by searching as you type, for networks of any size.

A select box lists every choice in the page; for a network of 20,000 members that is a
megabyte of HTML on every form. These fields render only the people already chosen and a
search input. With htmx the input asks `members:search` for a few matches as you type
(chosen people stay chosen). Without JavaScript, posting the text shows the same matches
to choose from (or the input takes email addresses), so the form still works. Either way
the server checks every id and address against the field's queryset: a person outside it
is refused, whatever was posted.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.urls import reverse

from networks.ids import MAX_ID, ModelMultipleIdField
from networks.models import Network, User

MATCHES = 8  # people shown per search: enough to spot the one meant, few enough to read
MAX_CHOSEN = 500  # ids a search request may carry back as already chosen

# Who a search looks among, as the search URL names it: the network's members, a group's
# members, or the network's members not yet in a group.
SCOPES = ("network", "group", "outside_group")


# Shorter text is matched at the start of each field: "an" finds Anna, not every name with
# an "an" in it, and a trigram index (networks' migration 0006) can answer a prefix of one
# or two letters but not an "anywhere" match that short.
CONTAINS_FROM = 3


def people_matching(people: QuerySet[User], text: str, *, limit: int = MATCHES) -> list[User]:
    """People whose name, email or organisation contains the text (case-insensitive), or
    for one or two letters starts with it."""
    text = text.strip()
    if not text:
        return []
    lookup = "icontains" if len(text) >= CONTAINS_FROM else "istartswith"
    found = Q()
    for field in ("name", "email", "organisation"):
        found |= Q(**{f"{field}__{lookup}": text})
    return list(people.filter(found).order_by("name", "email").only("name", "email")[:limit])


def search_url(network: Network, *, scope: str = "network", group_slug: str = "") -> str:
    query = {"scope": scope} | ({"group": group_slug} if group_slug else {})
    return f"{reverse('members:search', kwargs={'network_slug': network.slug})}?{urlencode(query)}"


def chosen_ids(values: list[str]) -> list[int]:
    """The ids among posted values (emails and search text are not ids)."""
    return [int(v) for v in values if str(v).isdigit() and int(v) <= MAX_ID][:MAX_CHOSEN]


class PeopleSearchInput(forms.Widget):
    """The people chosen so far (checked boxes or a radio each) and a search input named
    `<name>_q`. `people` and `url` are set by the field."""

    template_name = "forms/widgets/people_search.html"
    # The field's label names the search input; each person's box has their name.
    use_fieldset = False

    def __init__(self, *, multiple: bool, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.multiple = multiple
        self.people: QuerySet[User] = User.objects.none()
        self.url = ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str]:
        values = list(data.getlist(name)) if hasattr(data, "getlist") else []
        if not hasattr(data, "getlist") and data.get(name) not in (None, ""):
            value = data.get(name)
            values = [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]
        typed = str(data.get(f"{name}_q", "") or "").strip()
        return [v for v in values if v != ""] + ([f"q:{typed}"] if typed else [])

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_q" not in data

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        # Chosen boxes answer "required", not the search text: the browser must not refuse
        # a form whose search input is empty.
        context["widget"]["attrs"].pop("required", None)
        values = value if isinstance(value, list | tuple) else [] if value is None else [value]
        ids = chosen_ids([str(getattr(v, "pk", v)) for v in values])
        typed = next((str(v)[2:] for v in values if str(v).startswith("q:")), "")
        chosen = list(self.people.filter(pk__in=ids).order_by("name", "email")) if ids else []
        # Text posted without choosing (no JavaScript, or not finished): its matches are the
        # choose step, shown under the field's "choose a person" error.
        matches = people_matching(self.people.exclude(pk__in=ids), typed) if typed else None
        context["widget"] |= {
            "chosen": chosen,
            "matches": matches,
            "typed": typed,
            "input_type": "checkbox" if self.multiple else "radio",
            "url": self.url,
        }
        return context

    def format_value(self, value: Any) -> Any:
        return value


def _resolve(people: QuerySet[User], values: list[str], *, multiple: bool) -> list[str]:
    """Posted values as ids: ids as they are, typed email addresses looked up; search text
    that is not an address must be finished by choosing a match."""
    ids = [v for v in values if not v.startswith("q:")]
    typed = next((v[2:] for v in values if v.startswith("q:")), "")
    words = [w.strip() for w in typed.replace(";", ",").split(",") if w.strip()]
    emails = [w for w in words if "@" in w]
    if words and not emails and not ids:
        raise ValidationError(
            "Choose a person from the matches below, or type their email address.",
            code="unfinished",
        )
    if emails and not multiple and (ids or len(emails) > 1):
        raise ValidationError("Choose one person.", code="too_many")
    found: dict[str, int] = {}
    if emails:
        any_of = Q()
        for email in emails:
            any_of |= Q(email__iexact=email)
        found = {
            email.lower(): pk for email, pk in people.filter(any_of).values_list("email", "pk")
        }
    unknown = [e for e in emails if e.lower() not in found]
    if unknown:
        raise ValidationError(
            "%(emails)s: not among the people you can choose here.",
            code="unknown_email",
            params={"emails": ", ".join(unknown)},
        )
    return ids + [str(found[e.lower()]) for e in emails]


class PersonField(forms.ModelChoiceField):
    """One person, found by searching (see the module docstring)."""

    def __init__(self, *, queryset: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("widget", PeopleSearchInput(multiple=False))
        super().__init__(queryset=queryset, **kwargs)

    def set_scope(self, queryset: QuerySet[User], url: str) -> None:
        self.queryset = queryset
        assert isinstance(self.widget, PeopleSearchInput)
        self.widget.people, self.widget.url = queryset, url

    def to_python(self, value: Any) -> Any:
        if isinstance(value, list):
            assert self.queryset is not None  # set by set_scope
            resolved = _resolve(self.queryset, value, multiple=False)
            if len(resolved) > 1:
                raise ValidationError("Choose one person.", code="too_many")
            value = resolved[0] if resolved else None
        return super().to_python(value)


class PeopleField(ModelMultipleIdField):
    """Several people, found by searching (see the module docstring)."""

    def __init__(self, *, queryset: QuerySet[User], **kwargs: Any) -> None:
        kwargs.setdefault("widget", PeopleSearchInput(multiple=True))
        super().__init__(queryset=queryset, **kwargs)

    def set_scope(self, queryset: QuerySet[User], url: str) -> None:
        self.queryset = queryset
        assert isinstance(self.widget, PeopleSearchInput)
        self.widget.people, self.widget.url = queryset, url

    def clean(self, value: Any) -> Any:
        if isinstance(value, list):
            assert self.queryset is not None  # set by set_scope
            value = _resolve(self.queryset, [str(v) for v in value], multiple=True)
        return super().clean(value)
