"""Accounts with history (`accounts.jsonl`): context for feedback, not feedback. Each line
becomes a `voxindex.model.Account`, indexed by account_id so re-ingesting overwrites in place."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from voxindex.model import HEALTH, PLANS, SEGMENTS, Account, AccountState, ValidationError, parse_time

from .base import Bad, RawRecord, blank, parse_number, read_jsonl, record_hash, require, text_or_none

REGIONS = ("NA", "EU", "APAC", "LATAM")


@dataclass
class ParsedAccount:
    record_id: str
    raw_ref: str
    raw_hash: str
    account: Account
    payload: str = ""


def _choice(value: Any, name: str, allowed: tuple[str, ...]) -> str | None:
    text = text_or_none(value)
    if text is not None and text not in allowed:
        raise ValidationError(f"{name}: {text!r} not one of {allowed}")
    return text


def _date(value: Any, name: str) -> date | None:
    if blank(value):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date") from None


def parse_account(record: dict[str, Any]) -> Account:
    history = record.get("history") or []
    if not isinstance(history, list):
        raise ValidationError("history: expected a list")
    states = []
    for i, h in enumerate(history):
        if not isinstance(h, dict):
            raise ValidationError(f"history[{i}]: expected an object")
        states.append(
            AccountState(
                valid_from=parse_time(require(h, "valid_from", f"history[{i}].valid_from"), f"history[{i}].valid_from"),
                arr=parse_number(h.get("arr"), f"history[{i}].arr", 0, None),
                plan=_choice(h.get("plan"), f"history[{i}].plan", PLANS),
                segment=_choice(h.get("segment"), f"history[{i}].segment", SEGMENTS),
                renewal_date=_date(h.get("renewal_date"), f"history[{i}].renewal_date"),
                health=_choice(h.get("health"), f"history[{i}].health", HEALTH),
            )
        )
    states.sort(key=lambda s: s.valid_from)  # the format promises order; do not depend on it
    domains = record.get("domains") or []
    if isinstance(domains, str):
        domains = [domains]
    account = Account(
        account_id=str(require(record, "account_id")).strip(),
        name=str(require(record, "name")).strip(),
        domains=[str(d).strip().lower() for d in domains if str(d).strip()],
        parent_account_id=text_or_none(record.get("parent_account_id")),
        region=_choice(record.get("region"), "region", REGIONS),
        country=text_or_none(record.get("country")),
        history=states,
    )
    return account.validate()


class AccountsConnector:
    name = "accounts"
    source = "accounts"
    default_filename = "accounts.jsonl"
    cursor_field = None

    def read(self, path: str | Path) -> Iterator[ParsedAccount | Bad]:
        for raw in read_jsonl(Path(path)):
            yield self.parse_raw(raw)

    def reader_options(self) -> dict[str, Any]:
        """What a replay must know to read a record back as this run did (`Connector.reader_options`):
        nothing, since the accounts file is always JSONL read one way."""
        return {}

    def parse_raw(self, raw: RawRecord) -> ParsedAccount | Bad:
        if raw.error is not None or raw.record is None:
            return Bad(raw.raw_ref, raw.payload, raw.error or "undecodable record", raw.partial)
        try:
            account = parse_account(raw.record)
        except ValidationError as exc:
            return Bad(raw.raw_ref, raw.payload, str(exc), raw.record)
        except (TypeError, AttributeError, ValueError) as exc:
            return Bad(raw.raw_ref, raw.payload, f"wrong type: {exc}", raw.record)
        return ParsedAccount(account.account_id, raw.raw_ref, record_hash(raw.record), account, raw.payload)
