import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_goes_through_psycopg_3():
    if connection.vendor != "postgresql":
        pytest.skip("runs only when DATABASE_URL points at PostgreSQL")
    connection.ensure_connection()

    assert type(connection.connection).__module__.split(".")[0] == "psycopg"
