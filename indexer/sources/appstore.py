"""App-store review export (`reviews.csv`). No identity: the nickname is never kept."""
from __future__ import annotations

from typing import Any

from voxindex.model import iso

from .base import Connector, Part, RecordInfo, blank, parse_number, require, text_or_none


class AppStoreConnector(Connector):
    name = "appstore"
    source = "appstore"
    channel = "review"
    default_filename = "reviews.csv"
    cursor_field = "updated_at"
    file_format = "csv"

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        review_id = str(require(record, "review_id")).strip()
        rating = parse_number(require(record, "rating"), "rating", 1, 5)
        body = str(require(record, "body"))
        created = self.time(require(record, "created_at"), "created_at")
        updated = created if blank(record.get("updated_at")) else self.time(record["updated_at"], "updated_at")
        store = text_or_none(record.get("store"))
        info = RecordInfo(
            record_id=review_id,
            created_at=created,
            updated_at=updated,
            cursor=iso(updated),
            title=text_or_none(record.get("title")),
            tags=[store] if store else [],
            locale=text_or_none(record.get("locale")),
            app_version=text_or_none(record.get("app_version")),
            rating=rating,
            source_url=text_or_none(record.get("url")),
        )
        # reviewer_nickname is deliberately dropped: it is not an identity
        return info, [Part(part="body", speaker_role="customer", text=body, created_at=created)]
