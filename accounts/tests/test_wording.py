"""allauth's pages in the site's words (accounts/locale/en/LC_MESSAGES)."""

import re
from pathlib import Path

import pytest
from django.utils.translation import gettext, pgettext

pytestmark = pytest.mark.django_db

CATALOG = Path(__file__).resolve().parents[1] / "locale/en/LC_MESSAGES/django.po"
ENTRY = re.compile(
    r'^(?:msgctxt "(?P<context>.*)"\n)?msgid "(?P<id>.+)"\nmsgstr "(?P<text>.*)"$',
    re.MULTILINE,
)


def _entries() -> list[tuple[str | None, str, str]]:
    return [
        (match["context"], match["id"], match["text"])
        for match in ENTRY.finditer(CATALOG.read_text(encoding="utf-8"))
    ]


def test_every_wording_in_the_catalog_is_compiled_and_in_effect():
    """A .po edited without compiling its .mo changes nothing: this fails."""
    entries = _entries()
    assert len(entries) > 50
    stale = []
    for context, message, text in entries:
        shown = pgettext(context, message) if context else gettext(message)
        if shown != text:
            stale.append(f"{message!r} shows {shown!r}, not {text!r}")
    assert stale == [], "\n".join(stale)


def test_sign_in_page_is_in_sentence_case_without_colons(client):
    html = client.get("/accounts/login/").content.decode()

    assert re.search(r"<h1>\s*Sign in\s*</h1>", html)
    assert ">Remember me</label>" in html
    assert "Sign In" not in html
    assert "Remember Me" not in html
    assert ":</label>" not in html


def test_sign_up_page_puts_the_password_help_list_in_a_div(client):
    """Django's password help is a list, which no <p> or <span> may hold."""
    html = client.get("/accounts/signup/").content.decode()

    assert re.search(r"<h1>\s*Sign up\s*</h1>", html)
    assert re.search(r'<div class="helptext" id="id_password1_helptext">\s*<ul>', html)
    assert 'aria-describedby="id_password1_helptext"' in html
    assert '<span class="helptext"' not in html
