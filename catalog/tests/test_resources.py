"""CSV import by SKU with a dry run, and what a bad file does (nothing)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from catalog.models import Product
from catalog.selectors import category_choices
from catalog.tests.factories import make_category, make_product

pytestmark = pytest.mark.django_db

HEADER = "sku,name,slug,price,stock,category,status\n"
IMPORT = reverse("admin:catalog_product_import")
PROCESS = reverse("admin:catalog_product_process_import")


def _dry_run(client, body: str):
    upload = SimpleUploadedFile("products.csv", (HEADER + body).encode(), "text/csv")
    return client.post(IMPORT, {"import_file": upload, "format": "0", "resource": "0"})


@pytest.fixture
def lighting():
    return make_category(name="Lighting", slug="lighting")


def test_dry_run_shows_new_and_updated_rows_and_changes_nothing(admin_client, lighting):
    make_product(sku="LAMP-1", name="Old name", category=lighting)

    response = _dry_run(
        admin_client,
        "LAMP-1,New name,lamp-1,20.00,3,lighting,published\n"
        "LAMP-2,Desk lamp,desk-lamp,35.50,1,lighting,draft\n",
    )

    assert response.status_code == 200
    result = response.context["result"]
    assert not result.has_errors()
    assert not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["update", "new"]
    assert "confirm_form" in response.context
    assert Product.objects.get(sku="LAMP-1").name == "Old name"
    assert not Product.objects.filter(sku="LAMP-2").exists()


def test_confirming_the_import_creates_and_updates_and_shows_at_once(
    admin_client, client, lighting
):
    make_product(sku="LAMP-1", name="Old name", category=lighting)
    category_choices()
    dry_run = _dry_run(
        admin_client,
        "LAMP-1,New name,lamp-1,20.00,3,lighting,published\n"
        "LAMP-2,Desk lamp,desk-lamp,35.50,1,lighting,published\n",
    )
    confirm = dry_run.context["confirm_form"].initial

    response = admin_client.post(PROCESS, confirm)

    assert response.status_code == 302
    assert Product.objects.get(sku="LAMP-1").name == "New name"
    created = Product.objects.get(sku="LAMP-2")
    assert created.price == Decimal("35.50")
    history = Version.objects.get_for_object(created)
    assert history[0].revision.comment == "Created by import"
    assert history[0].revision.user.email == "boss@example.com"
    listing = client.get("/products/").content.decode()
    assert "New name" in listing
    assert "Desk lamp" in listing


def test_rejected_rows_show_line_and_reason_and_the_import_changes_nothing(
    admin_client, lighting
):
    make_product(sku="LAMP-1", name="Old name", category=lighting)

    response = _dry_run(
        admin_client,
        "LAMP-1,New name,lamp-1,20.00,3,lighting,published\n"
        "LAMP-2,Bad price,bad-price,-5,1,lighting,draft\n"
        "LAMP-3,No category,no-category,5,1,nowhere,draft\n",
    )

    content = response.content.decode()
    result = response.context["result"]
    assert result.has_validation_errors()
    invalid = {row.number: row for row in result.invalid_rows}
    assert set(invalid) == {2, 3}
    assert "price" in invalid[2].field_specific_errors
    assert "category" in invalid[3].field_specific_errors
    assert "<td>2 </td>" in content
    assert "<td>3 </td>" in content
    assert "No category has the slug &#x27;nowhere&#x27;." in content
    assert "Ensure this value is greater than or equal to 0" in content
    assert "confirm_form" not in response.context
    assert Product.objects.get(sku="LAMP-1").name == "Old name"
    assert Product.objects.count() == 1


def test_viewers_cannot_import(viewer_client):
    assert viewer_client.get(IMPORT).status_code == 403


def test_values_of_the_wrong_kind_are_rejected_with_readable_reasons(
    admin_client, lighting
):
    upload = SimpleUploadedFile(
        "products.csv",
        (
            b"sku,name,slug,price,stock,category,status,featured\n"
            b"A-1,Lamp one,lamp-one,abc,1,lighting,draft,1\n"
            b"A-2,Lamp two,lamp-two,5,1.5,lighting,draft,0\n"
            b"A-3,Lamp three,lamp-three,5,1,lighting,draft,maybe\n"
            b"A-4,Lamp four,lamp-four,NaN,2.0,lighting,draft,yes\n"
        ),
        "text/csv",
    )

    response = admin_client.post(
        IMPORT, {"import_file": upload, "format": "0", "resource": "0"}
    )

    content = response.content.decode()
    invalid = {row.number for row in response.context["result"].invalid_rows}
    assert invalid == {1, 2, 3, 4}
    assert "&#x27;abc&#x27; is not a number." in content
    assert "&#x27;1.5&#x27; is not a whole number." in content
    assert "&#x27;maybe&#x27; is not one of 1/0, true/false or yes/no." in content
    assert "&#x27;NaN&#x27; is not a number." in content
    assert "ConversionSyntax" not in content
    assert Product.objects.count() == 0


def test_dry_run_marks_changes_without_style_attributes(admin_client, lighting):
    """The preview passes the content security policy, which refuses them."""
    make_product(sku="LAMP-1", name="Old <b>name</b>", category=lighting)

    response = _dry_run(admin_client, "LAMP-1,New name,lamp-1,20.00,3,lighting,draft\n")

    content = response.content.decode()
    assert "<del>Old &lt;b&gt;name&lt;/b&gt;</del><ins>New name</ins>" in content
    assert "style=" not in content
