"""Zendesk-style ticket export (`tickets.jsonl`): one ticket per line, comments inline, users
side-loaded. Every comment becomes a Part with its speaker; only end-user comments are feedback."""
from __future__ import annotations

from typing import Any

from voxindex.model import ValidationError, iso

from .base import Connector, Part, RecordInfo, blank, require, text_or_none

SYSTEM_AUTHOR_IDS = ("-1", "")


def comment_role(comment: dict, user: dict | None, requester_id: str | None) -> str:
    """system > internal note > bot > end-user/agent; the order matters (a bot's private note
    is internal, an automation event is system even if it carries an agent's id)."""
    author_id = str(comment.get("author_id", "")).strip()
    if author_id in SYSTEM_AUTHOR_IDS or comment.get("via") == "system":
        return "system"
    if comment.get("public") is False or str(comment.get("public")).lower() == "false":
        return "internal"
    if user is not None and str(user.get("name") or "").rstrip().endswith("Bot"):
        return "bot"
    role = (user or {}).get("role")
    if role == "end-user":
        return "customer"
    if role in ("agent", "admin"):
        return "agent"
    if user is None and requester_id is not None and author_id == requester_id:
        return "customer"
    return "unknown"


class ZendeskConnector(Connector):
    name = "zendesk"
    source = "zendesk"
    channel = "ticket"
    default_filename = "tickets.jsonl"
    cursor_field = "updated_at"
    file_format = "jsonl"

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        ticket_id = require(record, "id")
        if isinstance(ticket_id, (bool, float, list, dict)):
            raise ValidationError(f"id: {ticket_id!r} is not an id")
        record_id = str(ticket_id)
        created_at = self.time(require(record, "created_at"), "created_at")
        updated_at = self.time(require(record, "updated_at"), "updated_at")
        comments, users = record.get("comments"), record.get("users")
        if not isinstance(comments, list):
            raise ValidationError("comments: required list missing")
        if not isinstance(users, list):
            raise ValidationError("users: required list missing")
        by_id = {str(u.get("id")): u for u in users if isinstance(u, dict)}
        requester = None if blank(record.get("requester_id")) else str(record.get("requester_id"))
        custom = record.get("custom_fields") or {}
        if not isinstance(custom, dict):
            raise ValidationError("custom_fields: expected an object")

        parts: list[Part] = []
        for position, comment in enumerate(comments):
            if not isinstance(comment, dict):
                raise ValidationError(f"comments[{position}]: expected an object")
            stamp = comment.get("created_at")
            when = created_at if blank(stamp) else self.time(stamp, f"comments[{position}].created_at")
            user = by_id.get(str(comment.get("author_id")))
            role = comment_role(comment, user, requester)
            cid = comment.get("id")
            parts.append(
                Part(
                    part=f"c{cid}" if not blank(cid) else f"p{position}",
                    speaker_role=role,
                    text=str(comment.get("body") or comment.get("plain_body") or ""),
                    author_name=text_or_none((user or {}).get("name")),
                    author_email=text_or_none((user or {}).get("email")),
                    created_at=when,
                    position=position,
                    author_id=None if blank(comment.get("author_id")) else str(comment.get("author_id")),
                )
            )
        tags = record.get("tags") or []
        info = RecordInfo(
            record_id=record_id,
            created_at=created_at,
            updated_at=updated_at,
            cursor=iso(updated_at),
            thread_id=record_id,
            title=text_or_none(record.get("subject")),
            tags=[str(t) for t in tags] if isinstance(tags, list) else [str(tags)],
            locale=text_or_none(record.get("locale") or custom.get("locale")),
            app_version=text_or_none(custom.get("app_version") or record.get("app_version")),
            product_area=text_or_none(custom.get("product_area") or record.get("product_area")),
            account_id=text_or_none(record.get("organization_id")),
            source_url=text_or_none(record.get("url")),
        )
        return info, parts
