"""Staff build a page from blocks in the admin, schedule it, preview it and
publish it; visitors then find it."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN = f"/{settings.DJANGO_ADMIN_URL}"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def staff_page(browser, live_server, settings):
    settings.STAFF_MFA_REQUIRED = False
    user = User.objects.create_superuser("boss@example.com", "a-long-password-1")
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def _add_block(page, title: str) -> None:
    """Add a block at the end of the body with the editor's "+" menu."""
    page.locator(".order-machine-insert-target.last").click()
    page.locator(f'.plugin-buttons .plugin-button[title="{title}"]').click()


def _set_publish_at(page, moment) -> None:
    local = timezone.localtime(moment)
    page.fill("#id_publish_at_0", local.strftime("%Y-%m-%d"))
    page.fill("#id_publish_at_1", local.strftime("%H:%M:%S"))


def test_staff_build_schedule_preview_and_publish_a_page(staff_page, page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    # The editor's script injects a <style> element that the policy
    # refuses; static/css/admin.css carries its rules instead.
    staff_page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Applying inline style" not in m.text
            else None
        ),
    )
    staff_page.goto(f"{ADMIN}content/page/add/")
    staff_page.locator("#id_title").press_sequentially("Winter care")
    assert staff_page.input_value("#id_slug") == "winter-care"
    _add_block(staff_page, "Text")
    staff_page.fill(
        "textarea[name='content_richtext_set-0-text']",
        "## Before the frost\n\nOil oak furniture once before winter.",
    )
    _add_block(staff_page, "Question and answer")
    staff_page.fill(
        "input[name='content_question_set-0-question']", "Can teak stay outside?"
    )
    staff_page.fill(
        "textarea[name='content_question_set-0-answer']", "Yes, under a cover."
    )
    _add_block(staff_page, "Quote")
    staff_page.fill(
        "textarea[name='content_quote_set-0-text']", "My table looks new again."
    )
    staff_page.fill("input[name='content_quote_set-0-author']", "Lea")
    staff_page.select_option("#id_status", "published")
    _set_publish_at(staff_page, timezone.now() + timedelta(days=2))
    staff_page.screenshot(path=SCREENSHOTS / "admin-page-editor.png", full_page=True)
    staff_page.click("input[name='_continue']")
    staff_page.wait_for_load_state()
    assert "/change/" in staff_page.url, staff_page.url
    assert "Scheduled" in staff_page.locator(".field-publication").inner_text()
    assert not errors, errors

    # Scheduled: visitors do not see it; staff see a preview.
    assert page.goto("/pages/winter-care/").status == 404
    staff_page.goto("/pages/winter-care/")
    assert staff_page.get_by_text("Preview, not visible to visitors.").is_visible()
    texts = staff_page.locator("article.page").inner_text()
    assert texts.index("Before the frost") < texts.index("Can teak stay outside?")
    assert texts.index("Can teak stay outside?") < texts.index("My table looks new")

    # A share-preview link shows it to a visitor without an account.
    staff_page.goto(f"{ADMIN}content/page/")
    staff_page.get_by_role("link", name="Winter care").click()
    staff_page.get_by_role("button", name="Share preview").click()
    message = staff_page.locator(".messagelist .success").inner_text()
    link = message.split("revoked: ")[1].strip()
    page.goto(link)
    assert page.get_by_text("Preview, not visible to visitors.").is_visible()

    # Published now: everyone sees it, with its blocks in order.
    _set_publish_at(staff_page, timezone.now() - timedelta(minutes=1))
    staff_page.click("input[name='_save']")
    staff_page.wait_for_load_state()
    assert staff_page.url.split("#")[0].endswith(f"{ADMIN}content/page/")
    response = page.goto("/pages/winter-care/")
    assert response.status == 200
    assert page.get_by_role("heading", name="Winter care").is_visible()
    assert not page.get_by_text("Preview, not visible to visitors.").count()
    page.get_by_text("Can teak stay outside?").click()
    assert page.get_by_text("Yes, under a cover.").is_visible()
    page.set_viewport_size(PHONE)
    page.screenshot(path=SCREENSHOTS / "content-page-390.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=SCREENSHOTS / "content-page-1280.png", full_page=True)

    # Staff put it in the header menu; visitors find it there and by search.
    staff_page.goto(f"{ADMIN}content/menu/")
    staff_page.get_by_role("link", name="Header").click()
    rows = staff_page.locator("#items-group tr.form-row:not(.empty-form)").count()
    staff_page.locator("#items-group .add-row a").click()
    staff_page.fill(f"input[name='items-{rows}-position']", "99")
    staff_page.locator(f"#id_items-{rows}-page + .select2 .select2-selection").click()
    staff_page.locator(".select2-search__field").fill("Winter")
    staff_page.locator(".select2-results__option", has_text="Winter care").click()
    staff_page.click("input[name='_save']")
    staff_page.wait_for_load_state()
    assert staff_page.locator(".messagelist .success").count()

    page.goto("/products/")
    main_menu = page.get_by_role("navigation", name="Main")
    main_menu.get_by_role("link", name="Winter care").click()
    page.wait_for_url("**/pages/winter-care/")
    page.get_by_label("Search products").fill("frost")
    page.get_by_label("Search products").press("Enter")
    page.wait_for_url("**/search/?q=frost")
    found = page.get_by_role("region", name="Pages")
    assert found.get_by_role("link", name="Winter care").is_visible()
    page.screenshot(path=SCREENSHOTS / "content-page-found-1280.png", full_page=True)
