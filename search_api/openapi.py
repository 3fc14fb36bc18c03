"""The OpenAPI 3 document, generated from the endpoint declarations in `spec.Registry`."""
from __future__ import annotations

from typing import Any

from .spec import Endpoint

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def operation(ep: Endpoint, method: str) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{method.lower()}_{ep.view.__name__}",
        "summary": ep.summary,
        "tags": [ep.tag],
        "parameters": [p.openapi("path") for p in ep.path_params],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}},
            "400": _error("a parameter is missing, of the wrong type, out of range or unknown"),
        },
    }
    if ep.description:
        op["description"] = ep.description
    if ep.role is not None:
        op["description"] = (op.get("description", "") + f"\n\nRequires role `{ep.role}` or higher.").strip()
        op["security"] = [{"bearer": []}, {"apiKey": []}]
        op["responses"].update({
            "401": _error("missing or unknown API key"),
            "403": _error("the key's role does not allow this operation or parameter (viewers: `min_arr`, "
                          "`max_arr`, `include_non_customer`)"),
            "413": _error("the body is over the server's limit (VOXINDEX_API_MAX_BODY; checked before it is read)"),
            "429": _error("rate limit exceeded (per client address, then per key); retry after the `Retry-After` seconds"),
        })
    else:
        op["security"] = []
    if method == "GET" or not ep.body_params:
        op["parameters"] += [p.openapi("query") for p in ep.params] if method == "GET" else []
    if method == "POST" and ep.body_params:
        op["requestBody"] = {
            "required": False,
            "content": {"application/json": {"schema": {
                "type": "object",
                "additionalProperties": False,
                "properties": {p.name: p.schema() for p in ep.params},
                "required": [p.name for p in ep.params if p.required],
            }}},
        }
    elif method == "POST" and ep.body_schema is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": ep.body_schema}}}
    if ep.path_params:
        op["responses"]["404"] = _error("not found (or outside the key's scope)")
    if ep.body_schema is not None:
        op["responses"]["422"] = _error("some records were rejected and dead-lettered (the rest were indexed); "
                                        "`details.rejected` lists each one's index in `records` and the reason")
    if not op["parameters"]:
        del op["parameters"]
    return op


def build_document(endpoints: list[Endpoint], version: str, server_url: str | None = None) -> dict[str, Any]:
    paths: dict[str, dict] = {}
    for ep in endpoints:
        item = paths.setdefault(ep.openapi_path, {})
        for method in ep.methods:
            item[method.lower()] = operation(ep, method)
    doc: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "VoxIndex API",
            "version": version,
            "description": (
                "Search and analytics over customer-feedback units. Authenticate with "
                "`Authorization: Bearer <key>` or `X-API-Key: <key>`; keys are made with "
                "`voxindex api-keys create`. Every error is JSON: `{\"error\": {status, code, message}}`."
            ),
        },
        "paths": paths,
        "components": {
            "schemas": {"Error": ERROR_SCHEMA},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
