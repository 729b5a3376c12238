import pytest

from catalog.tests.factories import make_category, make_image, make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_opens_home_and_follows_a_product_link(page):
    category = make_category(name="Lighting")
    product = make_product(
        name="Brass Lamp", category=category, description="Hand-**polished** brass."
    )
    make_image(product=product)

    page.goto("/")
    assert page.get_by_role(
        "heading", name="Well-made things for the home"
    ).is_visible()
    page.get_by_role("link", name="Brass Lamp").click()

    page.wait_for_url(f"**{product.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == "Brass Lamp"
    assert page.locator("strong", has_text="polished").is_visible()
    assert page.get_by_role("img", name="Brass Lamp photo").is_visible()
