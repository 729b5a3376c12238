import pytest

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
