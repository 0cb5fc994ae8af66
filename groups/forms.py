from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from groups.models import Activity, GroupMembership, PeerGroup
from groups.services import group_slug_for
from networks.models import HISTORY_YEARS, Invitation, Network, User
from networks.people import PeopleField, PersonField, search_url
from networks.text import required_text, visible_text

MEASURE_PREFIX = "measure_"


class IsoDateInput(forms.DateInput):
    """<input type=date> only accepts ISO dates, whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class GroupForm(forms.ModelForm):
    slug = forms.SlugField(
        label="Web address",
        max_length=60,
        required=False,
        help_text="Made from the name when left empty; letters, digits and hyphens.",
    )

    class Meta:
        model = PeerGroup
        fields = ["name", "slug", "kind", "purpose", "is_cng"]
        labels = {"purpose": "Purpose sound bite", "is_cng": "Collaborative network group (CNG)"}

    def __init__(self, *args: Any, network: Network, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network = network
        self.fields["purpose"].widget = forms.TextInput(attrs={"maxlength": 200})
        self.fields["slug"].required = False

    def clean_name(self) -> str:
        return required_text(self.cleaned_data["name"], "Give the group a name.")

    def clean_purpose(self) -> str:
        return visible_text(self.cleaned_data["purpose"])

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        name = data.get("name")
        if name:
            # On edit an empty web address keeps the current one, so links keep working.
            wanted = data.get("slug") or (self.instance.slug if self.instance.pk else "")
            try:
                data["slug"] = group_slug_for(
                    network=self.network, name=name, slug=wanted, exclude_pk=self.instance.pk
                )
            except ValidationError as error:
                self.add_error("slug" if data.get("slug") else "name", error)
        return data

    def _post_clean(self) -> None:
        # The slug was checked above against this network; the model's own unique check
        # would only repeat it with a vaguer message.
        self.instance.network = self.network
        super()._post_clean()  # type: ignore[misc]  # ModelForm has it; the stubs do not


class GroupSearchForm(forms.Form):
    q = forms.CharField(
        label="Search groups",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name or purpose"}),
    )


class MemberAddForm(forms.Form):
    user = PersonField(
        queryset=User.objects.none(),
        label="Member of the network",
        help_text="Search by name, email or organisation (or type their email address).",
        error_messages={"invalid_choice": "Choose a member of the network not yet in the group."},
    )
    role = forms.ChoiceField(choices=GroupMembership.Role.choices, initial="member", required=False)

    def __init__(self, *args: Any, group: PeerGroup, can_appoint: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = User.objects.filter(memberships__network_id=group.network_id).exclude(
            group_memberships__group=group
        )
        url = search_url(group.network, scope="outside_group", group_slug=group.slug)
        cast(PersonField, self.fields["user"]).set_scope(people, url)
        if not can_appoint:
            # Only organisers appoint gardeners; others add plain members.
            del self.fields["role"]


class GroupInvitationForm(forms.Form):
    email = forms.EmailField(max_length=254)
    role = forms.ChoiceField(
        choices=[(Invitation.Role.MEMBER, "Member"), (Invitation.Role.GARDENER, "Gardener")],
        initial=Invitation.Role.MEMBER,
    )

    def __init__(self, *args: Any, can_appoint: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_appoint:
            del self.fields["role"]


def counts_toward(counted_by: list, kind: str) -> list[tuple[Any, str]]:
    """(measure, the kinds it counts) for each count-based measure an activity of this kind
    counts toward; before a kind is chosen, every one, with the kinds it counts."""
    if kind in Activity.Kind.values:
        return [(m, "") for m in counted_by if m.counts_kind(kind)]
    return [
        (
            m,
            ", ".join(Activity.Kind(k).label for k in m.activity_kinds if k in Activity.Kind.values)
            or "any kind",
        )
        for m in counted_by
    ]


class ActivityForm(forms.ModelForm):
    occurred_on = forms.DateField(label="Date", widget=IsoDateInput())
    people_reached = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        initial=0,
        help_text="Including people outside the network.",
    )
    participants = PeopleField(
        queryset=User.objects.none(),
        required=False,
        help_text="Members of the group who took part: search by name, email or organisation "
        "(or type their email addresses, separated by commas).",
        error_messages={
            "invalid_choice": "Participants must be members of the group: %(value)s is not.",
            "invalid_pk_value": "“%(pk)s” is not a person.",
        },
    )

    class Meta:
        model = Activity
        fields = ["kind", "title", "occurred_on", "description", "participants", "people_reached"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"title": {"required": "Give the activity a title."}}

    def __init__(
        self,
        *args: Any,
        group: PeerGroup,
        today: date,
        measures: list,
        counted_by: list | None = None,
        contributions: dict[int, Decimal] | None = None,
        **kwargs: Any,
    ) -> None:
        """`measures` take an amount each (activity_sum); `counted_by` are the count-based
        measures (activity_count), shown read-only. Both come from the objectives app, which
        groups does not import: each measure answers `counts_kind(kind)` itself."""
        super().__init__(*args, **kwargs)
        self.group = group
        self.today = today
        self.measures = measures
        self.counted_by = counted_by or []
        cast(PeopleField, self.fields["participants"]).set_scope(
            User.objects.filter(group_memberships__group=group),
            search_url(group.network, scope="group", group_slug=group.slug),
        )
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", "Choose a kind…"),
            *Activity.Kind.choices,
        ]
        self.fields["title"].widget.attrs["maxlength"] = 200
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()
        contributions = contributions or {}
        for measure in measures:
            self.fields[f"{MEASURE_PREFIX}{measure.pk}"] = forms.DecimalField(
                label=f"{measure.name}" + (f" ({measure.unit})" if measure.unit else ""),
                help_text=f"Objective: {measure.objective.title}",
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
                initial=contributions.get(measure.pk),
            )

    def clean_title(self) -> str:
        return required_text(self.cleaned_data["title"], "Give the activity a title.")

    def clean_occurred_on(self) -> date:
        day = self.cleaned_data["occurred_on"]
        if day > self.today:
            raise ValidationError(
                f"The date cannot be in the future: log activities once they happened "
                f"(today is {self.today:%-d %b %Y})."
            )
        earliest = self.group.network.earliest_record_day()
        if day < earliest:
            raise ValidationError(
                f"The date is too far back: activities go back to {earliest:%-d %b %Y}, "
                f"{HISTORY_YEARS} years before the network joined Grove."
            )
        return day

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        known = {f"{MEASURE_PREFIX}{m.pk}" for m in self.measures}
        # A posted measure that is not offered here belongs to another network or objective.
        strangers = [
            key for key in self.data if key.startswith(MEASURE_PREFIX) and key not in known
        ]
        if strangers:
            raise ValidationError("An activity can only advance this network's measures.")
        return data

    def contribution_fields(self) -> list:
        return [self[f"{MEASURE_PREFIX}{m.pk}"] for m in self.measures]

    def main_fields(self) -> list:
        return [self[name] for name in self.Meta.fields]

    def chosen_kind(self) -> str:
        """The kind picked so far: posted, or the activity's own; "" before one is chosen."""
        if self.is_bound:
            kind = self.data.get(self.add_prefix("kind"), "")
        else:
            kind = self.initial.get("kind") or self.instance.kind
        return kind if kind in Activity.Kind.values else ""

    def counts_toward(self) -> list[tuple[Any, str]]:
        return counts_toward(self.counted_by, self.chosen_kind())

    def counts_toward_id(self) -> str:
        """The id of the "Counts toward" list, which htmx refreshes as the kind changes."""
        return f"id_{self.add_prefix('counts_toward')}"

    def contributions(self) -> dict[int, Decimal]:
        return {
            m.pk: self.cleaned_data[f"{MEASURE_PREFIX}{m.pk}"]
            for m in self.measures
            if self.cleaned_data.get(f"{MEASURE_PREFIX}{m.pk}")
        }
