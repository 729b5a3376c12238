import pytest


@pytest.fixture(autouse=True)
def _no_staff_two_factor(no_staff_two_factor):
    """Staff two-factor has its own tests in accounts; here it is off."""
