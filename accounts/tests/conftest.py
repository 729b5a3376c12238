"""Fixtures for the accounts tests."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone


@pytest.fixture
def travel() -> Callable[[timedelta], contextmanager]:
    """Move the clocks that allauth and axes read forward, without sleeping.

    axes imported `now` by name in two modules, so those are patched where
    they are used, beside Django's own `timezone.now` and `time.time` (which
    the signed, expiring email links read).
    """

    @contextmanager
    def _travel(delta: timedelta) -> Iterator[None]:
        later = timezone.now() + delta
        with (
            mock.patch("django.utils.timezone.now", return_value=later),
            mock.patch("axes.attempts.now", return_value=later),
            mock.patch("axes.handlers.proxy.now", return_value=later),
            mock.patch("django.core.signing.time.time", return_value=later.timestamp()),
        ):
            yield

    return _travel
