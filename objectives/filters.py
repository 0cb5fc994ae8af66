"""The one activity FilterSet: the activity log page and the API filter with it alike."""

from collections.abc import Callable, Sequence
from html import escape
from typing import Any, Protocol, cast

import django_filters
from django import forms
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from groups.forms import IsoDateInput
from groups.models import Activity, ActivityQuerySet
from networks.models import Network, User
from networks.people import PersonField, search_url
from objectives.models import Contribution, Objective


def _once(make: Callable[[], list[tuple[Any, str]]]) -> Callable[[], list[tuple[Any, str]]]:
    """Lazy choices, computed on first use and kept: Django calls a choices callable at each
    iteration (rendering, then validating)."""
    kept: list[list[tuple[Any, str]]] = []

    def choices() -> list[tuple[Any, str]]:
        if not kept:
            kept.append(make())
        return kept[0]

    return choices


class QuickSelect(forms.Select):
    """A select whose options are written in Python: Django renders each option through a
    template (tens of microseconds each), and even format_html and flatatt per option took
    a millisecond for a network's hundreds of groups. Flat choices only (no optgroups)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for v, label in self.choices
        )
        widget_attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(widget_attrs),
            mark_safe(options),  # noqa: S308 - every part escaped above
        )


class NamedGroup(Protocol):
    """What the group filter's choices read of a group: a PeerGroup or a lighter row."""

    @property
    def name(self) -> str: ...

    @property
    def slug(self) -> str: ...


class PersonFilter(django_filters.Filter):
    field_class = PersonField


class ActivityRangeForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The end of the range is before its start.")
        return data


class ActivityFilterSet(django_filters.FilterSet):
    """Kind, a date range (both ends included), group (by slug), an objective the activity
    advanced and a member who led it or took part. Groups, objectives and members are the
    network's: anything else is "not one of the available choices"."""

    kind = django_filters.ChoiceFilter(
        choices=Activity.Kind.choices, empty_label="All kinds", widget=QuickSelect
    )
    start = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="gte", label="From", widget=IsoDateInput()
    )
    end = django_filters.DateFilter(
        field_name="occurred_on", lookup_expr="lte", label="To", widget=IsoDateInput()
    )
    group = django_filters.ChoiceFilter(
        field_name="group__slug", empty_label="All groups", widget=QuickSelect
    )
    objective = django_filters.ChoiceFilter(
        method="advancing", empty_label="Any objective", widget=QuickSelect
    )
    # A person is searched for as one types (networks.people), not picked from a list.
    member = PersonFilter(
        method="involving",
        queryset=User.objects.none(),  # scoped to the network in `form`
        error_messages={"invalid_choice": "Choose a member of the network."},
    )

    class Meta:
        model = Activity
        fields = ["kind", "start", "end", "group", "objective", "member"]
        form = ActivityRangeForm

    def __init__(
        self,
        *args: Any,
        network: Network,
        groups: Sequence[NamedGroup] | None = None,
        **kwargs: Any,
    ) -> None:
        """`groups`: the network's active groups, when the caller has them already."""
        super().__init__(*args, **kwargs)
        # Each list is read once, when first needed: a page renders every select, while an
        # API request reads only the lists of the filters it uses.
        self.filters["group"].extra["choices"] = _once(
            lambda: [
                (g.slug, g.name) for g in groups or network.groups.active().only("name", "slug")
            ]
        )
        self.filters["objective"].extra["choices"] = _once(
            lambda: list(
                Objective.objects.filter(network=network).active().values_list("pk", "title")
            )
        )
        self.network = network

    @property
    def form(self) -> forms.Form:
        if not hasattr(self, "_form"):
            form = super().form
            cast(PersonField, form.fields["member"]).set_scope(
                User.objects.filter(memberships__network=self.network), search_url(self.network)
            )
        return self._form

    def advancing(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        advanced = Contribution.objects.filter(measure__objective_id=int(value))
        return queryset.filter(pk__in=advanced.values("activity_id"))

    def involving(self, queryset: ActivityQuerySet, name: str, value: User) -> ActivityQuerySet:
        return queryset.involving(value.pk)
