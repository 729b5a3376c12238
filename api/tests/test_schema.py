"""The OpenAPI schema: kept in the repository, served, and documented."""

import re
from pathlib import Path

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiYamlRenderer

SCHEMA_FILE = Path(__file__).resolve().parents[1] / "openapi.yaml"


def test_the_schema_file_matches_the_api():
    """Every API change shows in api/openapi.yaml, so that it is reviewed.

    Regenerate it with `python manage.py spectacular --file api/openapi.yaml`.
    """
    generated = OpenApiYamlRenderer().render(
        SchemaGenerator().get_schema(request=None, public=True),
        renderer_context={},
    )
    assert generated.decode() == SCHEMA_FILE.read_text(), (
        "The API changed: run `python manage.py spectacular --file "
        "api/openapi.yaml` and review the difference."
    )


@pytest.mark.django_db
def test_the_schema_is_served_as_openapi_3(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/changes/" in schema["paths"]


@pytest.mark.django_db
def test_the_docs_page_loads_only_the_sites_own_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "http" not in policy.replace("report-uri", "")
