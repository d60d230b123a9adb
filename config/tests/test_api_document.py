"""The OpenAPI document is built once per process, not on every request."""

from __future__ import annotations

import pytest
from ninja import main as ninja_main

from config.api import api

pytestmark = pytest.mark.django_db


def test_it_builds_the_document_once_and_serves_it_again(client, monkeypatch):
    builds = []
    build = ninja_main.get_schema

    def counted(**kwargs):
        builds.append(kwargs["path_prefix"])
        return build(**kwargs)

    monkeypatch.setattr(ninja_main, "get_schema", counted)
    monkeypatch.setattr(api, "_documents", {})
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json")
    assert first.status_code == again.status_code == 200
    assert builds == ["/api/v1/"]
    document = first.json()
    assert again.json() == document and "/api/v1/leads" in document["paths"]
    # What was kept is what a fresh build gives.
    monkeypatch.setattr(api, "_documents", {})
    assert client.get("/api/v1/openapi.json").json() == document
    assert builds == ["/api/v1/", "/api/v1/"]
