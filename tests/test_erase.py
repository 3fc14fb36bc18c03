"""Erase: every unit tied to a person is deleted (or re-redacted), the person's addresses and
names leave the people index, and the erase is audited without the clear address."""
from __future__ import annotations

from datetime import datetime, timezone

from elasticsearch import helpers

from voxindex.model import FeedbackUnit

T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)


def _index_units(es, settings, units):
    helpers.bulk(es, [{"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in units],
                 refresh=True)


def _resolved(es, settings):
    from indexer.identity import identity_stage

    units = [
        FeedbackUnit(unit_id=f"u{i}", source_record_id=str(i), source="zendesk", channel="ticket", connector="zendesk",
                     text=text, created_at=T0, author_email=email, author_name=name)
        for i, (email, name, text) in enumerate([
            ("dana@northwind.com", "Dana Smith", "Sync is broken. Thanks, Dana"),
            ("Dana+tickets@northwind.com", "Dana Smith", "Still broken, Dana Smith here."),
            ("kim@bluepeak.io", "Kim Wu", "Exports are slow."),
        ])
    ]
    from indexer.bulk import RetryPolicy, bulk_write

    batch = identity_stage(settings, es)(units)
    # persons are written as the ingest runner writes a stage's decisions: through indexer.bulk
    bulk_write(es, [w.action for w in batch.writes], RetryPolicy(), "writing persons").raise_for_failures("test")
    units = batch.units
    es.indices.refresh(index=settings.indices.people)
    _index_units(es, settings, units)
    return units


def _count(es, settings, **term):
    es.indices.refresh(index=settings.indices.feedback)
    return es.count(index=settings.indices.feedback, query={"term": term})["count"]


def test_erase_by_email_deletes_every_unit_removes_the_person_and_audits_a_hash(es, settings):
    from indexer.erase import erase
    from indexer.identity.store import find_person_by_email

    units = _resolved(es, settings)
    pid = units[0].person_id
    assert units[1].person_id == pid and _count(es, settings, person_id=pid) == 2
    result = erase(es, settings, email="DANA@northwind.com", actor="dpo@voxdemo.io")
    assert result.units_deleted == 2 and result.people_removed == 1 and not result.errors
    assert _count(es, settings, person_id=pid) == 0
    assert _count(es, settings, unit_id="u2") == 1  # someone else's feedback stays
    assert find_person_by_email(es, settings, "dana@northwind.com") is None
    audit = es.get(index=settings.indices.audit, id=result.audit_id)["_source"]
    assert audit["action"] == "erase" and audit["actor"] == "dpo@voxdemo.io" and audit["params"]["units_deleted"] == "2"
    assert "dana@northwind.com" not in str(audit) and audit["params"]["email_hashes"].startswith("email:")


def test_erase_in_redact_mode_keeps_units_but_detaches_and_redacts_them(es, settings):
    from indexer.erase import erase

    units = _resolved(es, settings)
    pid = units[0].person_id
    result = erase(es, settings, person_id=pid, mode="redact")
    assert result.units_redacted == 2
    es.indices.refresh(index=settings.indices.feedback)
    doc = es.get(index=settings.indices.feedback, id="u1")["_source"]
    assert doc["person_id"] is None and "Dana" not in doc["text"] and doc["pii_redacted"] is True


def test_an_erased_address_is_not_resolved_again(es, settings):
    from indexer.erase import erase
    from indexer.identity import identity_stage

    _resolved(es, settings)
    erase(es, settings, email="dana@northwind.com")
    es.indices.refresh(index=settings.indices.audit)
    [u] = identity_stage(settings, es)([FeedbackUnit(unit_id="n1", source_record_id="n1", source="zendesk", channel="ticket",
                                                     connector="zendesk", text="hi", created_at=T0,
                                                     author_email="dana@northwind.com", author_name="Dana Smith")]).units
    assert u.person_id is None
