from django import forms

from reports.selectors import PERIODS, Period, last_days

# A chosen range is at most this long: the charts have one point a day.
MAX_DAYS = 3 * 366


class PeriodForm(forms.Form):
    """The days a report covers: the last N days, or a chosen range."""

    days = forms.TypedChoiceField(
        label="Last",
        choices=[(n, f"{n} days") for n in PERIODS],
        coerce=int,
        required=False,
    )
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if (start is None) != (end is None):
            raise forms.ValidationError("Give both a start and an end date.")
        if start and end:
            if start > end:
                raise forms.ValidationError("The start date is after the end date.")
            if (end - start).days + 1 > MAX_DAYS:
                raise forms.ValidationError(
                    f"A range can be at most {MAX_DAYS} days long."
                )
        return data

    def period(self) -> Period:
        """The chosen period; the last 30 days when none or an invalid one."""
        if self.is_valid():
            data = self.cleaned_data
            if data.get("start") and data.get("end"):
                return Period(data["start"], data["end"])
            if data.get("days"):
                return last_days(data["days"])
        return last_days(30)
