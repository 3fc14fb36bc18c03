"""Right to erasure: remove everything tied to one person.

`erase(email=... | person_id=...)` finds the person, then deletes (default) or re-redacts every
feedback unit with that person_id, removes the person's emails and names from the people index,
and writes one audit record (who, when, counts; the address only as a hash).

This distribution has no _delete_by_query/_update_by_query (no reindex module), so units are
found with a scroll and changed with bulk requests — which also works on a full cluster.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from elasticsearch import Elasticsearch, helpers

from voxindex.model import FeedbackUnit, Person, stable_id, to_jsonable, utcnow

from indexer.bulk import RetryPolicy, bulk_write
from indexer.identity.normalize import key_hash, normalize_email
from indexer.identity.resolver import person_id_for_email
from indexer.identity.store import find_person_by_email, get_person

MODES = ("delete", "redact")


class EraseError(ValueError):
    pass


@dataclass
class EraseResult:
    person_id: str | None
    mode: str
    units_found: int = 0
    units_deleted: int = 0
    units_redacted: int = 0
    people_removed: int = 0
    audit_id: str | None = None
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return to_jsonable(self)


def _units_of(es: Elasticsearch, settings, person_id: str):
    yield from helpers.scan(
        es, index=settings.indices.feedback, query={"query": {"term": {"person_id": person_id}}}, size=500, scroll="2m"
    )


def _re_redact(doc: dict, person: Person | None) -> dict:
    """The unit with the person's names/addresses (and any other PII) redacted again, detached
    from the person. The redactor runs with the person's names as known names."""
    from indexer.enrich.pii import detect, redact

    names = list(person.names) if person else []
    unit = FeedbackUnit.from_doc(doc)
    extra = {e for e in (person.emails if person else [])}

    def clean(text: str | None) -> str | None:
        if not text:
            return text
        for e in extra:  # the normalized address may differ from how it was written; catch both
            text = text.replace(e, "<EMAIL_ADDRESS>")
        spans = detect(text, names)
        return redact(text, spans) if spans else text

    unit.text = clean(unit.text) or "<REDACTED>"
    unit.title = clean(unit.title)
    for turn in unit.context:
        turn.text = clean(turn.text) or ""
    unit.person_id = None
    unit.pii_redacted = True
    unit.pii_types = sorted(set(unit.pii_types) | {"PERSON"})
    unit.embedding = None  # the vector was computed from the clear text of an erased person
    return unit.to_doc()


def erase(
    es: Elasticsearch,
    settings,
    email: str | None = None,
    person_id: str | None = None,
    mode: str = "delete",
    actor: str = "cli",
) -> EraseResult:
    if mode not in MODES:
        raise EraseError(f"mode must be one of {MODES}, not {mode!r}")
    if not email and not person_id:
        raise EraseError("give --email or --person")
    person: Person | None = None
    email_hashes: list[str] = []
    if email:
        normalized = normalize_email(email)
        if normalized is None:
            raise EraseError(f"{email!r} is not an email address")
        person = find_person_by_email(es, settings, normalized)
        email_hashes.append(key_hash("email", normalized))
        if person is None:  # never resolved into the people index: units may still carry its id
            person_id = person_id or person_id_for_email(normalized)
    if person is None and person_id:
        person = get_person(es, settings, person_id)
    pid = person.person_id if person else person_id
    if person is not None:
        email_hashes += [key_hash("email", e) for e in person.emails]
    result = EraseResult(person_id=pid, mode=mode)

    actions = []
    unit_ids: list[str] = []
    for hit in _units_of(es, settings, pid):  # writes go to the physical index each hit came from
        result.units_found += 1
        unit_ids.append(hit["_id"])
        if mode == "delete":
            actions.append({"_op_type": "delete", "_index": hit["_index"], "_id": hit["_id"]})
        else:
            actions.append({"_op_type": "index", "_index": hit["_index"], "_id": hit["_id"], "_source": _re_redact(hit["_source"], person)})
    if actions:
        written = bulk_write(es, actions, RetryPolicy.from_settings(settings), f"erasing person {pid}", refresh=True)
        ok, errors = len(written.ok), list(written.failed.values())
        if mode == "delete":
            result.units_deleted = ok
        else:
            result.units_redacted = ok
        result.errors = [str(e)[:300] for e in errors]

    if person is not None:
        es.options(ignore_status=404).delete(index=settings.indices.write_alias("people"), id=person.person_id, refresh="wait_for")
        result.people_removed = 1

    now = utcnow()
    audit_id = stable_id("erase", pid, now.isoformat())
    audit_doc = {
        "at": to_jsonable(now),
        "actor": actor,
        "role": "admin",
        "action": "erase",
        "target": f"person:{pid}",
        "params": {
            "mode": mode,
            "email_hashes": ",".join(sorted(set(email_hashes))),
            "units_found": str(result.units_found),
            "units_deleted": str(result.units_deleted),
            "units_redacted": str(result.units_redacted),
            "people_removed": str(result.people_removed),
        },
        "unit_ids": unit_ids[:10000],
        "detail": f"erase ({mode}) of person {pid}: {result.units_found} units, {result.people_removed} person record(s)",
    }
    es.index(index=settings.indices.write_alias("audit"), id=audit_id, document=audit_doc, refresh="wait_for")
    result.audit_id = audit_id
    return result
