"""Generic connectors driven by a field map (canonical name -> column/key in the file), for
exports from tools without a dedicated connector. Every record is one customer message unless
the map names a `role` column whose value says otherwise."""
from __future__ import annotations

from typing import Any

from voxindex.model import parse_time

from .base import Connector, Part, RecordInfo, blank, iso, known_role, parse_number, require, text_or_none

# canonical keys a field map may name
MAP_KEYS = (
    "id", "text", "title", "created_at", "updated_at", "email", "name", "url", "locale",
    "app_version", "product_area", "rating", "account_id", "thread_id", "tags", "role",
)
CUSTOMER_WORDS = ("customer", "end-user", "end_user", "user", "client")


def parse_field_map(spec: str | None) -> dict[str, str]:
    """`"id=post_id,text=content"` -> {"id": "post_id", "text": "content"} (the CLI's --map)."""
    out: dict[str, str] = {}
    for item in (spec or "").split(","):
        if not item.strip():
            continue
        key, sep, column = item.partition("=")
        key = key.strip()
        if not sep or key not in MAP_KEYS or not column.strip():
            raise ValueError(f"bad field map entry {item!r}: use KEY=COLUMN with KEY one of {', '.join(MAP_KEYS)}")
        out[key] = column.strip()
    return out


class MappedConnector(Connector):
    default_map: dict[str, str] = {}

    def __init__(self, field_map: dict[str, str] | None = None, channel: str | None = None):
        self.field_map = {**self.default_map, **(field_map or {})}
        if channel:
            self.channel = channel
        for key in ("id", "text", "created_at"):
            if key not in self.field_map:
                raise ValueError(f"{self.name}: field map needs {key!r}")

    def _get(self, record: dict, key: str) -> Any:
        column = self.field_map.get(key)
        return None if column is None else record.get(column)

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        fm = self.field_map
        record_id = str(require(record, fm["id"], "id")).strip()
        created = parse_time(require(record, fm["created_at"], "created_at"), fm["created_at"])
        raw_updated = self._get(record, "updated_at")
        updated = created if blank(raw_updated) else parse_time(raw_updated, fm["updated_at"])
        cursor_key = self.cursor_field if self.cursor_field in fm else "created_at"
        cursor = updated if cursor_key == "updated_at" else created
        tags = self._get(record, "tags")
        if isinstance(tags, str):
            tags = [t.strip() for t in tags.replace(";", ",").split(",") if t.strip()]
        role_raw = text_or_none(self._get(record, "role"))
        role = "customer" if role_raw is None or role_raw.lower() in CUSTOMER_WORDS else known_role(role_raw.lower())
        info = RecordInfo(
            record_id=record_id,
            created_at=created,
            updated_at=updated,
            cursor=iso(cursor),
            thread_id=text_or_none(self._get(record, "thread_id")),
            title=text_or_none(self._get(record, "title")),
            tags=[str(t) for t in tags] if isinstance(tags, list) else [],
            locale=text_or_none(self._get(record, "locale")),
            app_version=text_or_none(self._get(record, "app_version")),
            product_area=text_or_none(self._get(record, "product_area")),
            rating=parse_number(self._get(record, "rating"), fm.get("rating", "rating")),
            account_id=text_or_none(self._get(record, "account_id")),
            source_url=text_or_none(self._get(record, "url")),
        )
        text = self._get(record, "text")
        if blank(text):
            return info, []  # a record without words: counted as empty
        part = Part(
            part="body",
            speaker_role=role,
            text=str(text),
            author_name=text_or_none(self._get(record, "name")),
            author_email=text_or_none(self._get(record, "email")),
            created_at=created,
        )
        return info, [part]
