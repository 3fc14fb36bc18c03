"""Declared parameters: one small dataclass per parameter, one per endpoint.

The same declaration validates requests (types, enums, ranges, unknown names) and generates
the OpenAPI 3 document, so the document cannot drift from what the server accepts. Client
input only ever reaches Elasticsearch as validated, typed values placed into queries we build;
never as query DSL.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable

from .errors import bad_request

ROLES = ("viewer", "analyst", "admin")
EARLIEST = datetime(1970, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2199, 12, 31, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Param:
    """One request parameter. kind: string | integer | number | boolean | datetime | list."""

    name: str
    kind: str = "string"
    description: str = ""
    required: bool = False
    default: Any = None
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 256
    max_items: int = 20
    pattern: str | None = None

    # ------------------------------------------------------------------ validation
    def parse(self, raw: Any) -> Any:
        """Raw query-string text(s) or JSON value -> typed value, or a 400 saying why."""
        if self.kind == "list":
            return self._parse_list(raw)
        if isinstance(raw, list):
            if len(raw) != 1:
                raise bad_request(f"{self.name}: give it once", self.name)
            raw = raw[0]
        if self.kind == "integer":
            value = self._number(raw, integer=True)
        elif self.kind == "number":
            value = self._number(raw, integer=False)
        elif self.kind == "boolean":
            value = self._boolean(raw)
        elif self.kind == "datetime":
            value = parse_datetime(raw, self.name)
        else:
            value = self._string(raw)
        return value

    def _string(self, raw: Any) -> str:
        if not isinstance(raw, str):
            raise bad_request(f"{self.name}: expected a string", self.name)
        if len(raw) > self.max_length:
            raise bad_request(f"{self.name}: longer than {self.max_length} characters", self.name)
        if self.enum is not None and raw not in self.enum:
            raise bad_request(f"{self.name}: {raw!r} is not one of {list(self.enum)}", self.name, allowed=list(self.enum))
        if self.pattern is not None and not re.search(self.pattern.replace("$", r"\Z"), raw):  # $ must not match before a newline
            raise bad_request(f"{self.name}: {raw!r} does not match {self.pattern}", self.name)
        return raw

    def _parse_list(self, raw: Any) -> list[str]:
        items = raw if isinstance(raw, list) else [raw]
        values: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise bad_request(f"{self.name}: expected strings", self.name)
            values.extend(v.strip() for v in item.split(",") if v.strip())
        if len(values) > self.max_items:
            raise bad_request(f"{self.name}: at most {self.max_items} values", self.name)
        out = []
        for v in values:
            if len(v) > self.max_length:
                raise bad_request(f"{self.name}: a value is longer than {self.max_length} characters", self.name)
            if self.enum is not None and v not in self.enum:
                raise bad_request(f"{self.name}: {v!r} is not one of {list(self.enum)}", self.name, allowed=list(self.enum))
            if v not in out:
                out.append(v)
        return out

    def _number(self, raw: Any, integer: bool) -> float | int:
        if isinstance(raw, bool):
            raise bad_request(f"{self.name}: expected a number", self.name)
        try:
            if isinstance(raw, (int, float)):
                value = raw
            elif integer:
                value = int(str(raw).strip())
            else:
                value = float(str(raw).strip())
        except (TypeError, ValueError):
            raise bad_request(f"{self.name}: {raw!r} is not {'an integer' if integer else 'a number'}", self.name) from None
        if integer and (isinstance(value, float) and not value.is_integer()):
            raise bad_request(f"{self.name}: expected an integer", self.name)
        if not math.isfinite(float(value)):
            raise bad_request(f"{self.name}: must be finite", self.name)
        value = int(value) if integer else float(value)
        if self.minimum is not None and value < self.minimum:
            raise bad_request(f"{self.name}: must be >= {self.minimum:g}", self.name)
        if self.maximum is not None and value > self.maximum:
            raise bad_request(f"{self.name}: must be <= {self.maximum:g}", self.name)
        return value

    def _boolean(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise bad_request(f"{self.name}: expected true or false", self.name)

    # ------------------------------------------------------------------ OpenAPI
    def schema(self) -> dict:
        if self.kind == "list":
            items: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
            if self.enum is not None:
                items = {"type": "string", "enum": list(self.enum)}
            return {"type": "array", "items": items, "maxItems": self.max_items}
        if self.kind in ("integer", "number"):
            s: dict[str, Any] = {"type": self.kind}
            if self.minimum is not None:
                s["minimum"] = self.minimum
            if self.maximum is not None:
                s["maximum"] = self.maximum
        elif self.kind == "boolean":
            s = {"type": "boolean"}
        elif self.kind == "datetime":
            s = {"type": "string", "format": "date-time"}
        else:
            s = {"type": "string", "maxLength": self.max_length}
            if self.enum is not None:
                s = {"type": "string", "enum": list(self.enum)}
            if self.pattern:
                s["pattern"] = self.pattern
        if self.default is not None:
            s["default"] = self.default
        return s

    def openapi(self, location: str) -> dict:
        out = {"name": self.name, "in": location, "required": self.required or location == "path",
               "description": self.description, "schema": self.schema()}
        if self.kind == "list" and location == "query":
            out.update(style="form", explode=True)
        return out


def parse_datetime(raw: Any, name: str) -> datetime:
    if not isinstance(raw, str) or not raw.strip():
        raise bad_request(f"{name}: expected an ISO-8601 date or date-time", name)
    text = raw.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        if len(text) == 10:
            dt = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            dt = datetime.fromisoformat(text.replace("t", "T", 1))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=timezone.utc)
        dt = dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise bad_request(f"{name}: {raw!r} is not an ISO-8601 date or date-time", name) from None
    if not EARLIEST <= dt <= LATEST:
        # windows are computed back from a date: year 1 would underflow, year 9999 overflow
        raise bad_request(f"{name}: {raw!r} is outside {EARLIEST:%Y}-{LATEST:%Y}", name)
    return dt


@dataclass(frozen=True)
class Endpoint:
    """One route: what it takes, who may call it, and what it is for."""

    rule: str  # Flask rule, e.g. /v1/units/<unit_id>
    methods: tuple[str, ...]
    summary: str
    view: Callable
    role: str | None = "viewer"  # None: public
    params: tuple[Param, ...] = ()  # query params (GET) / JSON body fields (POST, when body_params)
    path_params: tuple[Param, ...] = ()
    body_params: bool = False  # POST takes the same params as a JSON object
    body_schema: dict | None = None  # a free JSON body (ingest), validated by the view
    tag: str = "search"
    description: str = ""
    audited: bool = True

    @property
    def openapi_path(self) -> str:
        path = self.rule
        for p in self.path_params:
            path = path.replace(f"<{p.name}>", "{" + p.name + "}")
        return path


def validate(params: tuple[Param, ...], raw: dict[str, Any], where: str) -> dict[str, Any]:
    """Typed values for every declared param (defaults filled); unknown names are rejected."""
    known = {p.name for p in params}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        raise bad_request(
            f"unknown {where} parameter(s): {', '.join(unknown)}", unknown[0], allowed=sorted(known)
        )
    out: dict[str, Any] = {}
    for p in params:
        value = raw.get(p.name)
        if p.kind == "datetime" and value is not None and value in ("", [""]):
            raise bad_request(f"{p.name}: empty; leave it out or give an ISO-8601 date", p.name)
        if value is None or value == [] or value == "" or value == [""]:
            if p.required:
                raise bad_request(f"{p.name}: required", p.name)
            out[p.name] = list(p.default) if isinstance(p.default, (list, tuple)) else p.default
            continue
        out[p.name] = p.parse(value)
    return out


@dataclass
class Registry:
    endpoints: list[Endpoint] = field(default_factory=list)

    def add(self, endpoint: Endpoint) -> Endpoint:
        self.endpoints.append(endpoint)
        return endpoint
