from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError

from webhooks.models import Event
from webhooks.services import check_target


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="Address", max_length=500, assume_scheme="https",
        help_text="An https:// address on the public internet that accepts POST requests.",
    )  # fmt: skip
    description = forms.CharField(max_length=200, required=False, help_text="What receives it.")
    events = forms.MultipleChoiceField(
        choices=Event.choices, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )  # fmt: skip

    def __init__(self, *args: Any, referrals: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not referrals:
            # Offered once the referrals app sends the event (webhooks.models.Event).
            field = cast(forms.MultipleChoiceField, self.fields["events"])
            field.choices = [c for c in Event.choices if c[0] != Event.REFERRAL_STATUS_CHANGED]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_target(url)
        except ValidationError as refused:
            raise forms.ValidationError(refused.messages)
        return url
