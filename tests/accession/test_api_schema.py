"""The accession API is described completely in its OpenAPI document: every request body and every answer is a
named schema with its fields (no bare JSON object), its enumerations list their values, and the PDF says it is a
PDF. Clients (and the property-based run of the whole API) rely on it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import PASSWORD


def openapi(archivist: Any) -> dict[str, Any]:
    client = Client()
    assert client.login(username=archivist.username, password=PASSWORD)
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def named_object(spec: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    assert "$ref" in schema, f"{where}: an anonymous schema {schema}"
    target = resolve(spec, schema)
    assert target.get("type") == "object" and target.get("properties"), f"{where}: {target}"


def test_every_accession_endpoint_is_typed(archivist: Any) -> None:
    spec = openapi(archivist)
    operations = [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        if path.startswith("/api/accession/")
        for method, operation in methods.items()
    ]
    assert len(operations) == 13
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            named_object(spec, body["schema"], where + " body")
        for status, answer in operation["responses"].items():
            content = answer.get("content", {})
            if path.endswith("/pdf") and status == "200":
                assert content["application/pdf"]["schema"] == {"type": "string", "format": "binary"}
                continue
            schema = content["application/json"]["schema"]
            if schema.get("type") == "array":
                schema = schema["items"]
            named_object(spec, schema, f"{where} {status}")


def test_values_are_enumerated_and_nested_shapes_named(archivist: Any) -> None:
    spec = openapi(archivist)
    schemas = spec["components"]["schemas"]
    transfer = schemas["TransferOut"]["properties"]
    assert set(resolve(spec, transfer["status"])["enum"]) == {
        "received",
        "checking",
        "accepting",
        "accepted",
        "rejected",
        "returned",
    }
    report = schemas["ReportOut"]["properties"]
    item = resolve(spec, report["items"]["items"])["properties"]
    assert set(resolve(spec, item["result"])["enum"]) == {"pass", "fail", "not_applicable", "manual", "not_performed"}
    assert set(resolve(spec, report["counts"])["properties"]) >= {"pass", "fail", "manual", "unsigned"}
    assert resolve(spec, item["evidence"]["items"])["properties"]["file"]["type"] == "string"
    assert schemas["SignIn"]["properties"]["result"]["enum"] == ["pass", "fail"]
