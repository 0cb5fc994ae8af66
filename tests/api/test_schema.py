"""The OpenAPI schema and the docs page, served from static/ under the site's CSP."""

import re

import pytest
import yaml
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_schema_is_public_and_lists_the_api(world):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/networks/{network_slug}/activities/" in schema["paths"]
    assert "token" in schema["components"]["securitySchemes"]


def test_the_docs_page_loads_no_script_from_elsewhere_and_none_inline(world):
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    body = response.content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', body)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", body), "an inline script"
    policy = response["Content-Security-Policy"]
    script = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script


def test_the_docs_scripts_are_served_from_static(world):
    body = Client().get("/api/docs/").content.decode()
    for src in re.findall(r'<script[^>]*src="([^"]+)"', body):
        assert Client().get(src).status_code == 200, src


def test_only_the_docs_page_allows_inline_styles(world):
    docs = Client().get("/api/docs/")["Content-Security-Policy"]
    style = next(d for d in docs.split(";") if d.strip().startswith("style-src"))
    assert "'unsafe-inline'" in style
    login = Client().get("/accounts/login/")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in login
