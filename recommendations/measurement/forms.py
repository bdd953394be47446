"""The dashboard's period picker."""

from django import forms

PERIOD_CHOICES = [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days"), (365, "Last 365 days")]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(choices=PERIOD_CHOICES, coerce=int, initial=30, required=False)

    def clean_days(self):
        return self.cleaned_data.get("days") or 30
