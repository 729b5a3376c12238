import json
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from accounts.models import User
from catalog.tests.factories import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-42"


def test_visitor_signs_up_saves_a_product_downloads_data_and_leaves(page):
    product = make_product(name="Brass Lamp")

    page.goto("/accounts/signup/")
    page.fill('input[name="email"]', "ada@example.com")
    page.fill('input[name="password1"]', PASSWORD)
    page.fill('input[name="password2"]', PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url("**/accounts/confirm-email/")

    # The live server runs in this process, so its mail is in mail.outbox.
    link = re.search(r"http://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body)
    page.goto(urlsplit(link.group(0)).path)
    page.get_by_role("button", name="Confirm").click()

    page.goto("/accounts/login/")
    page.fill('input[name="login"]', "ada@example.com")
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/accounts/profile/")
    assert page.get_by_role("button", name="Sign out").is_visible()

    page.goto(product.get_absolute_url())
    page.get_by_role("button", name="Save product").click()
    page.wait_for_url(f"**{product.get_absolute_url()}")
    assert page.get_by_role("button", name="Remove from saved").is_visible()

    page.get_by_role("link", name="Account").click()
    assert page.get_by_role("link", name="Brass Lamp").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    data = json.loads(download_info.value.path().read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "ada@example.com"
    assert [saved["name"] for saved in data["saved_products"]] == ["Brass Lamp"]
    assert len(data["sign_ins"]) == 1

    page.get_by_role("link", name="Delete my account").click()
    page.fill('input[name="password"]', PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(lambda url: urlsplit(url).path == "/")
    assert page.get_by_text("Your account and its data were deleted.").is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()
    assert not User.objects.filter(email="ada@example.com").exists()
