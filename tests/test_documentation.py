"""Every environment variable the settings read is documented."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READ = re.compile(r"""env(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]+)["']""")


def _settings_variables() -> set[str]:
    names = set()
    for path in (ROOT / "config").glob("*.py"):
        names |= set(READ.findall(path.read_text()))
        names |= set(
            re.findall(r"""environ\.get\(\s*["']([A-Z_]+)["']""", path.read_text())
        )
    return names


def test_the_settings_read_variables_at_all():
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "CACHE_URL"} <= _settings_variables()


@pytest.mark.parametrize("document", ["README.md", ".env.example"])
def test_every_variable_is_documented(document):
    text = (ROOT / document).read_text()

    missing = sorted(name for name in _settings_variables() if name not in text)

    assert missing == []
