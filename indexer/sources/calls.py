"""Call transcripts (`calls.jsonl`): participants with roles, timed turns. Only turns spoken by
a `customer` participant are feedback; the vendor side (sales, CSM, SE, support) is context."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from voxindex.model import ValidationError, iso

from .base import Connector, Part, RecordInfo, parse_number, require, text_or_none

PARTICIPANT_ROLES = {"customer": "customer", "sales": "sales", "csm": "sales", "se": "sales", "support": "agent"}


class CallsConnector(Connector):
    name = "calls"
    source = "calls"
    channel = "call"
    default_filename = "calls.jsonl"
    cursor_field = "started_at"
    file_format = "jsonl"

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        call_id = str(require(record, "call_id"))
        started = self.time(require(record, "started_at"), "started_at")
        participants, turns = record.get("participants"), record.get("turns")
        if not isinstance(participants, list) or not participants:
            raise ValidationError("participants: required list missing")
        if not isinstance(turns, list):
            raise ValidationError("turns: required list missing")
        parse_number(record.get("duration_s"), "duration_s", 0, None)
        speakers = {}
        for p in participants:
            if not isinstance(p, dict) or "speaker" not in p:
                raise ValidationError("participants: each needs a speaker")
            speakers[str(p["speaker"])] = p

        parts: list[Part] = []
        for index, turn in enumerate(turns):
            if not isinstance(turn, dict):
                raise ValidationError(f"turns[{index}]: expected an object")
            offset = parse_number(turn.get("t"), f"turns[{index}].t", 0, None) or 0.0
            who = speakers.get(str(turn.get("speaker")))
            role = PARTICIPANT_ROLES.get(str((who or {}).get("role", "")).lower(), "unknown")
            parts.append(
                Part(
                    part=f"t{index}",
                    speaker_role=role,
                    text=str(turn.get("text") or ""),
                    author_name=text_or_none((who or {}).get("name")),
                    author_email=text_or_none((who or {}).get("email")),
                    created_at=started + timedelta(seconds=offset),
                    position=index,
                    author_id=str(turn.get("speaker")),
                )
            )
        info = RecordInfo(
            record_id=call_id,
            created_at=started,
            updated_at=started,
            cursor=iso(started),
            thread_id=call_id,
            title=text_or_none(record.get("title")),
            locale=text_or_none(record.get("locale")),
            account_id=text_or_none(record.get("account_id")),
            source_url=text_or_none(record.get("url") or record.get("recording_url")),
        )
        return info, parts
