from django import forms

from notifications.models import Delivery


class PreferenceForm(forms.Form):
    referral_updates = forms.ChoiceField(
        label="Referral updates",
        choices=Delivery.choices,
        widget=forms.RadioSelect,
        help_text="When a colleague moves a referral you look after, or a follow-up is due.",
    )
