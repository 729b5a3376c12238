"""Settings for the test suite: the real settings with only what tests need."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-" + "x" * 40)

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The manifest storage needs collectstatic first; tests that check it build
# their own manifest in a temporary folder.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Mail stays in django.core.mail.outbox, whatever EMAIL_URL says.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
