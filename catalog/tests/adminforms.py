"""Read an admin change form back as POST data, as a browser would send it."""

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse


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


def admin_image_upload(admin_client, product, data: bytes, name: str):
    """Add an image to `product` through its admin change form."""
    url = reverse("admin:catalog_product_change", args=[product.pk])
    form = admin_form_data(admin_client.get(url))
    form.update(
        {
            "images-0-image": SimpleUploadedFile(name, data),
            "images-0-alt_text": "Front view",
            "images-0-position": "0",
        }
    )
    return admin_client.post(url, form)
