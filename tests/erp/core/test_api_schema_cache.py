"""/api/schema/ is generated once per process and served from memory after (issue 23:
2.6 s a request); the answer is the same schema, in either format and language."""

from __future__ import annotations

import time

import pytest
from drf_spectacular.generators import SchemaGenerator

from erp.core import api_schema


@pytest.mark.django_db
def test_the_schema_is_generated_once_and_served_the_same(client, monkeypatch):
    api_schema.clear()
    calls = []
    real = SchemaGenerator.get_schema

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counting)

    started = time.perf_counter()
    first = client.get("/api/schema/?format=json")
    cold = time.perf_counter() - started
    started = time.perf_counter()
    second = client.get("/api/schema/?format=json")
    warm = time.perf_counter() - started

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert "/api/v1/sales/" in second.json()["paths"]
    assert len(calls) == 1
    # YAML is rendered from the same generated schema
    yaml = client.get("/api/schema/")
    assert yaml.status_code == 200 and b"openapi: 3" in yaml.content
    assert yaml["Content-Type"].startswith("application/vnd.oai.openapi")
    started = time.perf_counter()
    again = client.get("/api/schema/")
    warm_yaml = time.perf_counter() - started
    assert again.content == yaml.content
    assert len(calls) == 1
    # another language is generated once more (descriptions are translated)
    assert client.get("/api/schema/?format=json&lang=sw").status_code == 200
    assert len(calls) == 2
    print(f"/api/schema/ cold {cold:.2f} s, warm JSON {warm:.3f} s, warm YAML {warm_yaml:.3f} s")
    assert warm < cold
