"""The canonical model: one feedback unit, the person who said it, the account they belong to.

Everything that flows through VoxIndex is one of these dataclasses. `to_doc()` gives the
Elasticsearch document; `tests/test_model_mapping.py` proves the dataclasses and
`mappings/feedback.json` agree field for field.
"""
from __future__ import annotations

import dataclasses
import hashlib
import typing
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

import numpy as np

EMBEDDING_DIMS = 384  # all-MiniLM-L6-v2; the feedback mapping's dense_vector has the same dims
# Decimals an embedding keeps in JSON (documents, kNN query vectors). Python prints a float32 value
# with 17 digits; 6 decimals move a unit vector's cosine by under 1e-9 and halve what every unit
# costs in the bulk body, the stored _source (vectors were 74 % of the demo index) and its merges.
EMBEDDING_DECIMALS = 6

SPEAKER_ROLES = ("customer", "agent", "bot", "internal", "system", "sales", "unknown")
CUSTOMER_ROLES = ("customer",)
SOURCES = ("zendesk", "appstore", "survey", "calls", "jsonl", "csv", "api")
CHANNELS = ("ticket", "review", "survey", "call", "community", "chat", "email", "api")
SENTIMENTS = ("negative", "neutral", "positive")
SEVERITIES = ("low", "medium", "high", "critical")
# the one severity-weight table: a label's score (documents, demo truth) and its weight in impact ranking
SEVERITY_WEIGHT = {"low": 0.25, "medium": 0.5, "high": 0.75, "critical": 1.0}
INTENTS = ("bug", "feature_request", "complaint", "question", "praise", "churn_risk")
PLANS = ("free", "starter", "pro", "enterprise")
SEGMENTS = ("smb", "mid-market", "enterprise")
HEALTH = ("green", "yellow", "red")


class ValidationError(ValueError):
    """A record or unit that does not fit the canonical model; the message says which field and why."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(dt: datetime) -> str:
    """The one timestamp format VoxIndex writes: ISO-8601 in UTC with a `Z` (documents, queries, files)."""
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(value: Any, field_name: str = "timestamp") -> datetime:
    """Parse ISO-8601 (with `Z`) or epoch seconds into an aware UTC datetime."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            dt = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ValidationError(f"{field_name}: {value!r} is not an ISO-8601 timestamp") from exc
    else:
        raise ValidationError(f"{field_name}: missing or empty (got {value!r})")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def stable_id(*parts: Any) -> str:
    """Deterministic id from its parts, so a replay writes the same _id and never duplicates."""
    raw = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:24]


@dataclass
class AccountContext:
    """The account as it was when the unit was created (point in time, not today)."""

    account_id: str | None = None
    name: str | None = None
    parent_account_id: str | None = None
    arr: float | None = None
    rollup_arr: float | None = None
    plan: str | None = None
    segment: str | None = None
    region: str | None = None
    renewal_date: date | None = None
    health: str | None = None
    as_of: datetime | None = None


@dataclass
class TaxonomyLabels:
    version: str | None = None
    theme: list[str] = field(default_factory=list)
    sub_theme: list[str] = field(default_factory=list)
    primary_theme: str | None = None
    primary_sub_theme: str | None = None
    confidence: float | None = None
    needs_review: bool = False
    # False when nothing in the taxonomy fits (the unit abstained: no theme/sub-theme at all).
    # Spike, trend and impact counts filter on `taxonomy.confident: true`.
    confident: bool = True
    unclassified: bool = False
    learned: bool = False  # labelled by a head fitted with `voxindex taxonomy learn`


@dataclass
class Scored:
    label: str | None = None
    score: float | None = None


@dataclass
class Provenance:
    """Where the words came from, precisely enough to open the raw record again."""

    raw_ref: str | None = None  # e.g. "tickets.jsonl#L1234" or a URL
    source_url: str | None = None
    record_part: str | None = None  # "c3" (comment 3), "t12" (turn 12), "body"
    cursor: str | None = None
    connector_run: str | None = None
    raw_hash: str | None = None


@dataclass
class ContextTurn:
    """A neighbouring turn kept for reading, never classified."""

    speaker_role: str
    text: str
    part: str | None = None


@dataclass
class FeedbackUnit:
    unit_id: str
    source_record_id: str
    source: str
    channel: str
    connector: str
    text: str
    created_at: datetime
    speaker_role: str = "customer"
    is_customer_signal: bool = True
    thread_id: str | None = None
    position: int = 0
    segment_index: int = 0
    title: str | None = None
    ingested_at: datetime | None = None
    updated_at: datetime | None = None
    locale: str | None = None
    product_area: str | None = None
    app_version: str | None = None
    rating: float | None = None
    tags: list[str] = field(default_factory=list)
    author_name: str | None = None  # for identity resolution only; never indexed
    author_email: str | None = None  # for identity resolution only; never indexed (see to_doc)
    person_id: str | None = None
    account_id: str | None = None
    account: AccountContext = field(default_factory=AccountContext)
    taxonomy: TaxonomyLabels = field(default_factory=TaxonomyLabels)
    sentiment: Scored = field(default_factory=Scored)
    severity: Scored = field(default_factory=Scored)
    intent: Scored = field(default_factory=Scored)
    pii_types: list[str] = field(default_factory=list)
    pii_redacted: bool = False
    content_hash: str | None = None
    duplicate_group: str | None = None
    is_duplicate: bool = False
    embedding: list[float] | None = None
    context: list[ContextTurn] = field(default_factory=list)
    provenance: Provenance = field(default_factory=Provenance)

    def validate(self) -> "FeedbackUnit":
        for name in ("unit_id", "source_record_id", "source", "channel", "connector"):
            if not getattr(self, name):
                raise ValidationError(f"{name}: required")
        if not isinstance(self.text, str) or not self.text.strip():
            raise ValidationError("text: empty feedback text")
        if self.speaker_role not in SPEAKER_ROLES:
            raise ValidationError(f"speaker_role: {self.speaker_role!r} not one of {SPEAKER_ROLES}")
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise ValidationError("created_at: must be a timezone-aware datetime")
        if self.rating is not None and not isinstance(self.rating, (int, float)):
            raise ValidationError(f"rating: {self.rating!r} is not a number")
        if self.embedding is not None and len(self.embedding) != EMBEDDING_DIMS:
            raise ValidationError(f"embedding: {len(self.embedding)} dims, expected {EMBEDDING_DIMS}")
        for name, allowed in (("sentiment", SENTIMENTS), ("severity", SEVERITIES), ("intent", INTENTS)):
            label = getattr(self, name).label
            if label is not None and label not in allowed:
                raise ValidationError(f"{name}.label: {label!r} not one of {allowed}")
        return self

    def to_doc(self) -> dict[str, Any]:
        doc = {f.name: to_jsonable(getattr(self, f.name)) for f in dataclasses.fields(self) if f.name != "embedding"}
        doc["embedding"] = None if self.embedding is None else rounded_vector(self.embedding)
        # identity is resolved to person_id; the clear name and address never land in the index
        doc.pop("author_email", None)
        doc.pop("author_name", None)
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "FeedbackUnit":
        return from_jsonable(cls, doc)


@dataclass
class AccountState:
    """One entry of an account's history: valid from `valid_from` until the next entry."""

    valid_from: datetime
    arr: float | None = None
    plan: str | None = None
    segment: str | None = None
    renewal_date: date | None = None
    health: str | None = None


@dataclass
class Account:
    account_id: str
    name: str
    domains: list[str] = field(default_factory=list)
    parent_account_id: str | None = None
    region: str | None = None
    country: str | None = None
    history: list[AccountState] = field(default_factory=list)

    def validate(self) -> "Account":
        if not self.account_id:
            raise ValidationError("account_id: required")
        if not self.name:
            raise ValidationError("name: required")
        stamps = [h.valid_from for h in self.history]
        if stamps != sorted(stamps):
            raise ValidationError("history: entries must be sorted by valid_from")
        return self

    def state_at(self, when: datetime) -> AccountState | None:
        current = None
        for entry in self.history:
            if entry.valid_from <= when:
                current = entry
            else:
                break
        return current if current is not None else (self.history[0] if self.history else None)

    def to_doc(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Account":
        return from_jsonable(cls, doc)


@dataclass
class Person:
    person_id: str
    names: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)  # normalized; kept only in the people index
    account_id: str | None = None
    contact_ids: list[str] = field(default_factory=list)
    is_shared_inbox: bool = False
    is_anonymous: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def validate(self) -> "Person":
        if not self.person_id:
            raise ValidationError("person_id: required")
        return self

    def to_doc(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> "Person":
        return from_jsonable(cls, doc)


# ---------------------------------------------------------------- (de)serialisation


def rounded_vector(vector) -> list[float]:
    """An embedding as JSON numbers with EMBEDDING_DECIMALS decimals (short to print and parse)."""
    return np.round(np.asarray(vector, dtype=np.float64), EMBEDDING_DECIMALS).tolist()


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, datetime):
        return iso(obj)
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    return obj


def _convert(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        inner = [a for a in args if a is not type(None)]
        return _convert(inner[0], value) if inner else value
    if origin is list:
        return [_convert(args[0], v) for v in value] if args else list(value)
    if dataclasses.is_dataclass(tp):
        return from_jsonable(tp, value)
    if tp is datetime:
        return parse_time(value)
    if tp is date:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if tp is float and isinstance(value, (int, float)):
        return float(value)
    return value


def from_jsonable(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def field_paths(cls: type, prefix: str = "") -> dict[str, Any]:
    """Flattened `a.b.c -> python type` map of a dataclass, for the mapping agreement test."""
    out: dict[str, Any] = {}
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        base = args[0] if typing.get_origin(tp) is not list and args else tp
        if typing.get_origin(base) is list:
            base = typing.get_args(base)[0]
        path = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(base):
            out.update(field_paths(base, path + "."))
        else:
            out[path] = base
    return out
