import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import SavedProduct
from accounts.services import sign_in_record
from accounts.tests.factories import make_user
from catalog.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, settings):
    settings.STAFF_MFA_REQUIRED = False
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_saved_products_and_sign_ins_are_listed_in_the_admin(staff_client):
    user = make_user(email="ada@example.com")
    SavedProduct.objects.create(user=user, product=make_product(name="Brass Lamp"))
    sign_in_record(user=user, ip_address="203.0.113.7", user_agent="Test")

    saved = staff_client.get("/admin/accounts/savedproduct/").content.decode()
    sign_ins = staff_client.get("/admin/accounts/signinevent/").content.decode()

    assert "Brass Lamp" in saved
    assert "203.0.113.7" in sign_ins


def test_sign_ins_cannot_be_added_by_hand(staff_client):
    assert staff_client.get("/admin/accounts/signinevent/add/").status_code == 403


def test_the_admin_has_one_accounts_section_with_the_email_addresses(staff_client):
    """allauth's app is also called "Accounts"; its list lives in ours."""
    response = staff_client.get(reverse("admin:index"))

    sections = [app["name"] for app in response.context["app_list"]]
    accounts = next(
        app for app in response.context["app_list"] if app["app_label"] == "accounts"
    )
    assert sections.count("Accounts") == 1
    assert [model["name"] for model in accounts["models"]] == [
        "Email addresses",
        "Saved products",
        "Sign-ins",
        "Users",
    ]


def test_email_addresses_are_listed_and_verified_from_the_accounts_section(
    staff_client,
):
    user = make_user(email="ada@example.com", verified=False)
    address = EmailAddress.objects.get(user=user)
    url = reverse("admin:accounts_useremailaddress_changelist")

    listed = staff_client.get(url).content.decode()
    staff_client.post(
        url, {"action": "make_verified", ACTION_CHECKBOX_NAME: [address.pk]}
    )

    assert "ada@example.com" in listed
    address.refresh_from_db()
    assert address.verified
