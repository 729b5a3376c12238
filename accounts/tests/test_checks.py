"""The deploy check that the site knows its clients behind a proxy."""

import pytest
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def _deploy_check_ids() -> set[str]:
    return {message.id for message in checks.run_checks(include_deployment_checks=True)}


def test_behind_a_proxy_with_no_trusted_proxies_the_deploy_check_warns(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    settings.TRUSTED_PROXY_COUNT = 0

    assert "accounts.W001" in _deploy_check_ids()


def test_the_warning_says_how_to_fix_it(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    settings.TRUSTED_PROXY_COUNT = 0

    with pytest.raises(SystemCheckError) as raised:
        call_command(
            "check", "--deploy", "--fail-level", "WARNING", "--tag", "security"
        )

    assert "accounts.W001" in str(raised.value)
    assert "Set DJANGO_TRUSTED_PROXY_COUNT to the number of proxies" in str(
        raised.value
    )


def test_behind_a_proxy_with_trusted_proxies_the_deploy_check_is_quiet(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    settings.TRUSTED_PROXY_COUNT = 1

    assert "accounts.W001" not in _deploy_check_ids()


def test_without_a_proxy_the_deploy_check_is_quiet(settings):
    settings.SECURE_PROXY_SSL_HEADER = None
    settings.TRUSTED_PROXY_COUNT = 0

    assert "accounts.W001" not in _deploy_check_ids()


def test_the_warning_is_only_part_of_the_deploy_check(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    settings.TRUSTED_PROXY_COUNT = 0

    assert "accounts.W001" not in {message.id for message in checks.run_checks()}
