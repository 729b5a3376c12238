"""Read an admin change form back as POST data, as a browser would send it."""

from django import forms


def _put(data: dict, bound) -> None:
    value = bound.value()
    field = bound.field
    if value is None or isinstance(field, forms.FileField):
        return
    if isinstance(field, forms.SplitDateTimeField):
        if hasattr(value, "date"):
            data[f"{bound.html_name}_0"] = value.strftime("%Y-%m-%d")
            data[f"{bound.html_name}_1"] = value.strftime("%H:%M:%S")
        return
    if isinstance(field, forms.BooleanField):
        if value:
            data[bound.html_name] = "on"
        return
    if isinstance(value, (list, tuple)):
        data[bound.html_name] = [str(item) for item in value]
        return
    data[bound.html_name] = str(value)


def admin_form_data(response) -> dict:
    """The main form and inline forms of an admin change page, as POST data."""
    data: dict = {}
    for bound in response.context["adminform"].form:
        _put(data, bound)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound in formset.management_form:
            _put(data, bound)
        for form in formset.forms:
            for bound in form:
                _put(data, bound)
    return data
