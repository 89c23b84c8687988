"""One description of the API routes: it registers the Flask views, checks request bodies
and query parameters, and becomes the OpenAPI 3.1 document at ``/api/openapi.json``.

The JSON schemas use a small subset (object, string with maxLength/pattern/format date/enum,
integer with bounds, array, boolean) that :func:`validate` checks, so the document cannot
promise what the code does not enforce.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Blueprint

from legalize.registry.accounts import Scope
from legalize.web.errors import WebError

Schema = dict[str, Any]

ERROR_SCHEMA: Schema = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "field"],
            "properties": {
                "code": {"type": "string", "description": "stable reason code"},
                "message": {"type": "string"},
                "field": {"type": ["string", "null"], "description": "the input at fault"},
                "other_references": {
                    "type": "array",
                    "items": {"type": "string"},
                    "description": "DUPLICATE_PERSON: the host references of your own open"
                    " requests for the same person",
                },
            },
        }
    },
}


@dataclass(frozen=True)
class Param:
    name: str
    """Name in the path or query string."""
    location: str
    """``path`` or ``query``."""
    schema: Schema
    """JSON schema of the value (strings and integers only)."""
    required: bool = False
    description: str = ""


@dataclass(frozen=True)
class Operation:
    method: str
    """HTTP method, lower case."""
    rule: str
    """Flask rule under /api, e.g. ``/cases/<int:case_id>``."""
    operation_id: str
    summary: str
    scopes: tuple[Scope, ...] = ()
    """Scopes the bearer token must hold; empty with ``public`` for unauthenticated routes."""
    params: tuple[Param, ...] = ()
    body: str | None = None
    """Component schema name of a JSON body."""
    body_media: str = "application/json"
    responses: dict[int, tuple[str, str | None, str]] = field(default_factory=dict)
    """status → (description, component schema name or None, media type)."""
    public: bool = False


@dataclass
class ApiDescription:
    """Routes and schemas of one API, collected as the view modules are imported."""

    title: str
    version: str
    schemas: dict[str, Schema] = field(default_factory=dict)
    operations: list[Operation] = field(default_factory=list)

    def schema(self, name: str, schema: Schema) -> Schema:
        self.schemas[name] = schema
        return schema

    def route(self, bp: Blueprint, op: Operation) -> Callable[[Callable[..., Any]], Any]:
        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            bp.add_url_rule(op.rule, op.operation_id, view, methods=[op.method.upper()])
            self.operations.append(op)
            return view

        return decorator

    def openapi(self, server_url: str = "/api") -> dict[str, Any]:
        paths: dict[str, dict[str, Any]] = {}
        for op in self.operations:
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", op.rule)
            entry: dict[str, Any] = {
                "operationId": op.operation_id,
                "summary": op.summary,
                "parameters": [
                    {
                        "name": p.name,
                        "in": p.location,
                        "required": p.required or p.location == "path",
                        "schema": p.schema,
                        **({"description": p.description} if p.description else {}),
                    }
                    for p in op.params
                ],
                "responses": {},
            }
            if op.public:
                entry["security"] = []
            elif op.scopes:
                entry["security"] = [{"bearer": [s.value for s in op.scopes]}]
            if op.body is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {op.body_media: {"schema": _ref(op.body)}},
                }
            for status, (description, schema_name, media) in sorted(op.responses.items()):
                response: dict[str, Any] = {"description": description}
                if schema_name is not None:
                    response["content"] = {media: {"schema": _ref(schema_name)}}
                elif media != "application/json":
                    response["content"] = {
                        media: {"schema": {"type": "string", "contentMediaType": media}}
                    }
                entry["responses"][str(status)] = response
            entry["responses"]["4XX"] = {
                "description": "refused: the error names the code and the field at fault",
                "content": {"application/json": {"schema": _ref("Error")}},
            }
            paths.setdefault(path, {})[op.method] = entry
        return {
            "openapi": "3.1.0",
            "info": {"title": self.title, "version": self.version},
            "servers": [{"url": server_url}],
            "paths": paths,
            "components": {
                "schemas": {"Error": ERROR_SCHEMA, **self.schemas},
                "securitySchemes": {
                    "bearer": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "API client token (256 random bits), issued by "
                        "`legalize users add-client`",
                    }
                },
            },
        }

    def operation(self, operation_id: str) -> Operation:
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def validate(value: Any, schema: Schema, schemas: dict[str, Schema], path: str = "") -> None:
    """Raise :class:`WebError` 422 naming the first field of ``value`` that breaks ``schema``."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
    where = path or "body"
    types = schema.get("type")
    type_list = types if isinstance(types, list) else [types] if types else []
    if value is None:
        if "null" in type_list:
            return
        raise WebError(422, "INVALID_INPUT", f"{where} is required", where)
    kind = next((t for t in type_list if t != "null"), None)
    if kind == "object":
        if not isinstance(value, dict):
            raise WebError(422, "INVALID_INPUT", f"{where} must be an object", where)
        props: dict[str, Schema] = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value or value[name] is None or value[name] == "":
                sub = f"{path}.{name}" if path else name
                raise WebError(422, "INVALID_INPUT", f"{sub} is required", sub)
        for name, item in value.items():
            sub = f"{path}.{name}" if path else name
            if name not in props:
                raise WebError(422, "INVALID_INPUT", f"unknown field {sub}", sub)
            validate(item, props[name], schemas, sub)
    elif kind == "array":
        if not isinstance(value, list):
            raise WebError(422, "INVALID_INPUT", f"{where} must be an array", where)
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems", 10**9):
            raise WebError(422, "INVALID_INPUT", f"{where} has a wrong number of items", where)
        for i, item in enumerate(value):
            validate(item, schema["items"], schemas, f"{where}[{i}]")
    elif kind == "string":
        _check_string(value, schema, where)
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise WebError(422, "INVALID_INPUT", f"{where} must be an integer", where)
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            raise WebError(422, "INVALID_INPUT", f"{where} is out of range", where)
    elif kind == "boolean" and not isinstance(value, bool):
        raise WebError(422, "INVALID_INPUT", f"{where} must be true or false", where)


def _check_string(value: Any, schema: Schema, where: str) -> None:
    if not isinstance(value, str):
        raise WebError(422, "INVALID_INPUT", f"{where} must be a string", where)
    if len(value) < schema.get("minLength", 0):
        raise WebError(422, "INVALID_INPUT", f"{where} is too short", where)
    if len(value) > schema.get("maxLength", 10**6):
        raise WebError(422, "INVALID_INPUT", f"{where} is too long", where)
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(schema["enum"])
        raise WebError(422, "INVALID_INPUT", f"{where} must be one of {allowed}", where)
    if "pattern" in schema and not re.search(schema["pattern"], value):
        raise WebError(422, "INVALID_INPUT", f"{where} has the wrong format", where)
    if schema.get("format") == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise WebError(
                422, "INVALID_INPUT", f"{where} must be a date YYYY-MM-DD", where
            ) from None
    if schema.get("contentEncoding") == "base64" and not re.fullmatch(
        r"[A-Za-z0-9+/]*={0,2}", value
    ):
        raise WebError(422, "INVALID_INPUT", f"{where} must be base64", where)


def query_params(op: Operation, args: Any) -> dict[str, Any]:
    """The operation's query parameters from ``request.args``, converted and checked."""
    out: dict[str, Any] = {}
    known = {p.name for p in op.params if p.location == "query"}
    for name in args:
        if name not in known:
            raise WebError(400, "INVALID_INPUT", f"unknown query parameter {name}", name)
    for p in op.params:
        if p.location != "query":
            continue
        raw = args.get(p.name)
        if raw is None or raw == "":
            if p.required:
                raise WebError(400, "INVALID_INPUT", f"{p.name} is required", p.name)
            out[p.name] = p.schema.get("default")
            continue
        if p.schema.get("type") == "integer":
            if not re.fullmatch(r"-?[0-9]{1,9}", raw):  # not \d: no fullwidth or other digits
                raise WebError(400, "INVALID_INPUT", f"{p.name} must be an integer", p.name)
            value: Any = int(raw)
        else:
            value = raw
        try:
            validate(value, p.schema, {}, p.name)
        except WebError as exc:
            raise WebError(400, exc.code, exc.message, p.name) from None
        out[p.name] = value
    return out
