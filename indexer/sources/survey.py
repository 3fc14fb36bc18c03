"""NPS / CSAT survey export (`surveys.csv`). A blank verbatim is a score without words: the
record is read (and counted as empty) but yields no unit."""
from __future__ import annotations

from typing import Any

from voxindex.model import ValidationError, iso

from .base import Connector, Part, RecordInfo, parse_number, require, text_or_none

SCALES = {"nps": (0, 10), "csat": (1, 5)}


class SurveyConnector(Connector):
    name = "survey"
    source = "survey"
    channel = "survey"
    default_filename = "surveys.csv"
    cursor_field = "submitted_at"
    file_format = "csv"

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        response_id = str(require(record, "response_id")).strip()
        survey = str(require(record, "survey")).strip().lower()
        if survey not in SCALES:
            raise ValidationError(f"survey: {survey!r} is not one of {sorted(SCALES)}")
        low, high = SCALES[survey]
        score = parse_number(require(record, "score"), "score", low, high)
        submitted = self.time(require(record, "submitted_at"), "submitted_at")
        verbatim = text_or_none(record.get("verbatim"))
        info = RecordInfo(
            record_id=response_id,
            created_at=submitted,
            updated_at=submitted,
            cursor=iso(submitted),
            tags=[survey],
            locale=text_or_none(record.get("locale")),
            rating=score,
        )
        if verbatim is None:
            return info, []
        email = text_or_none(record.get("email"))
        return info, [Part(part="body", speaker_role="customer", text=verbatim, author_email=email, created_at=submitted)]
