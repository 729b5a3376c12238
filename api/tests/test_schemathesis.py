"""schemathesis against the API: every operation, a staff token, a seeded
catalog; no server error, and every answer as the schema says.

schemathesis's default checks run, but one: data that fits the schema may
still be refused by the catalog (an unknown category slug, a slug already
taken, a cursor this feed never gave), with a 400 that says why.

The operations are driven one by one from the loaded schema (schemathesis's
pytest plugin does not run under this pytest), each with a fixed number of
examples and hypothesis's fixed seed.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.services import api_token_create
from api.tests.conftest import staff_user
from catalog.tests.factories import make_category, make_image, make_product

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

EXAMPLES = 15


@pytest.fixture
def wsgi_app():
    """The site's WSGI application, kept off the test's database connection.

    Django closes connections when a request ends; the test client stops
    that for its requests, and so must a WSGI client inside a test's
    transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def staff_key() -> str:
    top = make_category(name="Lighting", slug="lighting")
    lamps = make_category(name="Lamps", slug="lamps", parent=top)
    for number in range(4):
        product = make_product(category=lamps if number % 2 else top)
        if number == 0:
            make_image(product=product)
    _, key = api_token_create(
        user=staff_user("staff@example.com", "Editors"), name="st"
    )
    return key


def test_every_operation_holds_to_the_schema(wsgi_app, staff_key):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    # Uncompressed: the WSGI client hands schemathesis the bytes as sent.
    headers = {"Authorization": f"Bearer {staff_key}", "Accept-Encoding": "identity"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(
                headers=headers, excluded_checks=[positive_data_acceptance]
            )

        check()
