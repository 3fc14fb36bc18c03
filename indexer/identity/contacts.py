"""CRM contacts (people.csv) -> persons in the people index."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from voxindex.model import parse_time

from .resolver import DEFAULT_THRESHOLD, Resolver
from .store import flush, load_resolver

CONTACT_COLUMNS = ("contact_id", "name", "email", "account_id", "title", "updated_at")


@dataclass
class Contact:
    contact_id: str
    name: str
    email: str
    account_id: str | None
    title: str | None = None
    updated_at: str | None = None


def read_contacts(path: str | Path) -> list[Contact]:
    """Rows of people.csv; rows without a contact id are skipped (nothing to key them on)."""
    out = []
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            cid = (row.get("contact_id") or "").strip()
            if not cid:
                continue
            out.append(
                Contact(cid, (row.get("name") or "").strip(), (row.get("email") or "").strip(),
                        (row.get("account_id") or "").strip() or None, row.get("title"), row.get("updated_at"))
            )
    return out


def resolve_contacts(resolver: Resolver, contacts: list[Contact], progress: bool = False) -> dict:
    """Feed contacts to the resolver (oldest first, so the earliest contact names the person)."""
    def when(c: Contact):
        try:
            return parse_time(c.updated_at)
        except Exception:
            return None

    ordered = sorted(contacts, key=lambda c: (when(c) is None, when(c) or 0, c.contact_id))
    before = len(resolver.persons)
    merges = 0
    for c in tqdm(ordered, desc="contacts", unit="contact", disable=not progress):
        n_decisions = len(resolver.decisions)
        resolver.resolve(c.email, c.name, account_id=c.account_id, contact_id=c.contact_id, at=when(c))
        merges += sum(1 for d in resolver.decisions[n_decisions:] if d.action == "merge")
    return {"contacts": len(contacts), "persons_created": len(resolver.persons) - before, "merges": merges}


def load_contacts(es, settings, path_to_people_csv: str | Path, threshold: float = DEFAULT_THRESHOLD, progress: bool = False) -> dict:
    """Build or update persons from CRM contacts and log every merge; idempotent on re-run."""
    resolver = load_resolver(es, settings, threshold=threshold)
    counts = resolve_contacts(resolver, read_contacts(path_to_people_csv), progress=progress)
    counts["shared_inboxes"] = sum(1 for p in resolver.persons.values() if p.is_shared_inbox)
    counts.update({f"written_{k}": v for k, v in flush(es, settings, resolver, refresh="wait_for").items()})
    return counts
