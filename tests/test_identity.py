"""Identity resolution: deterministic and fuzzy merges with explanations, shared inboxes and
anonymous reviewers never merged, every decision logged and undoable (real Elasticsearch)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from voxindex.model import FeedbackUnit

FIXTURE = Path(__file__).parent / "fixtures" / "trust"
T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)


def _unit(uid, email=None, name=None, source="zendesk", account_id=None) -> FeedbackUnit:
    return FeedbackUnit(unit_id=uid, source_record_id=uid, source=source, channel="ticket", connector=source,
                        text="feedback", created_at=T0, author_email=email, author_name=name, account_id=account_id)


KINDS = ("feedback", "accounts", "people", "identities", "audit")


def _make(es, base_settings):
    """Only the indices identity uses (creating all nine per test is most of the test time)."""
    import uuid
    from dataclasses import replace

    from voxindex.setup import setup_indices

    settings = replace(base_settings, index_prefix=f"vxt-id-{uuid.uuid4().hex[:8]}")
    setup_indices(es, settings.indices, kinds=KINDS)
    return settings


@pytest.fixture(scope="module")
def crm(es, base_settings):
    """Accounts and CRM contacts loaded once for the read-mostly tests of this module."""
    from voxindex.setup import drop_indices

    settings = _make(es, base_settings)
    counts = _loaded(es, settings)
    yield settings, counts
    drop_indices(es, settings.indices)


@pytest.fixture
def fresh(es, base_settings):
    from voxindex.setup import drop_indices

    settings = _make(es, base_settings)
    yield settings
    drop_indices(es, settings.indices)


def _loaded(es, settings):
    from indexer.enrich.account_context import index_accounts, read_accounts_file
    from indexer.identity import load_contacts

    index_accounts(es, settings, read_accounts_file(FIXTURE / "accounts.jsonl"))
    return load_contacts(es, settings, FIXTURE / "people.csv")


def test_normalized_emails_resolve_deterministically():
    from indexer.identity.normalize import normalize_email
    from indexer.identity.resolver import Resolver

    assert normalize_email(" J.O.E+promo@GoogleMail.com ") == "joe@gmail.com"
    assert normalize_email("dana+tickets@northwind.com") == "dana@northwind.com"
    assert normalize_email("not an email") is None
    r = Resolver()
    a = r.resolve("joe.bloggs@gmail.com", "Joe Bloggs")
    assert r.resolve("JoeBloggs+x@gmail.com", "Joseph Bloggs") is a


def test_crm_contacts_of_one_human_merge_with_an_explained_score(es, crm):
    from indexer.identity.store import find_person_by_email, list_decisions

    settings, counts = crm
    assert counts["contacts"] == 8
    dana = find_person_by_email(es, settings, "dana.smith@northwind.co.uk")
    assert dana is not None and {"dana@northwind.com", "dana.smith@northwind.co.uk"} <= set(dana.emails)
    assert set(dana.contact_ids) == {"c001", "c002"}
    bob = find_person_by_email(es, settings, "bob.mueller@gmail.com")
    assert bob is not None and "robert.mueller@northwind.de" in bob.emails  # nickname + umlaut spelling
    merges = list_decisions(es, settings, action="merge", person_id=dana.person_id)
    assert merges and merges[0]["rule"] == "fuzzy" and merges[0]["score"] >= 0.8
    assert "same account acc_0001" in merges[0]["reason"] and "dana smyth" in merges[0]["reason"]
    # a different human who shares a first name and an account stays separate
    jones = find_person_by_email(es, settings, "dana.jones@northwind.com")
    assert jones.person_id != dana.person_id


def _written(es, batch):
    """The stage's units, after writing what it decided (new persons, decisions) the way the ingest
    runner does: through indexer.bulk, the one bulk path."""
    from indexer.bulk import RetryPolicy, bulk_write

    bulk_write(es, [w.action for w in batch.writes], RetryPolicy(), "writing identity decisions").raise_for_failures("test")
    return batch.units


def test_shared_inboxes_are_flagged_and_never_merged(es, crm):
    from indexer.identity import identity_stage
    from indexer.identity.store import find_person_by_email

    settings, _ = crm
    stage = identity_stage(settings, es)
    units = _written(es, stage([_unit("u1", "support@northwind.com", "Kim Wu"), _unit("u2", "support@northwind.com", "Lena Park"),
                                _unit("u3", "pat@bluepeak.io", "Pat Lee"), _unit("u4", "pat@bluepeak.io", "Morgan Reyes")]))
    support = find_person_by_email(es, settings, "support@northwind.com")
    assert support.is_shared_inbox and support.emails == ["support@northwind.com"]
    assert units[0].person_id == units[1].person_id == support.person_id
    assert units[0].account_id == "acc_0001"  # from the email domain
    es.indices.refresh(index=settings.indices.people)
    pat = find_person_by_email(es, settings, "pat@bluepeak.io")
    assert pat.is_shared_inbox  # one address, clearly different names


def test_anonymous_reviews_are_never_merged(es, crm):
    from indexer.identity import identity_stage

    settings, _ = crm
    stage = identity_stage(settings, es)
    out = stage([_unit("r1", None, "Dana Smith", source="appstore"), _unit("r2", None, "happy_dana", source="appstore"),
                 _unit("p1", None, "Dana Smith", source="jsonl")]).units
    assert [u.person_id for u in out] == [None, None, None]


def test_identity_stage_keeps_a_connector_given_account(es, crm):
    from indexer.identity import identity_stage

    settings, _ = crm
    [u] = identity_stage(settings, es)([_unit("u9", "dana@northwind.com", "Dana Smith", account_id="acc_0002")]).units
    assert u.account_id == "acc_0002" and u.person_id


def test_undo_restores_the_separate_persons_and_blocks_the_merge(es, fresh):
    from indexer.identity import identity_stage
    from indexer.identity.store import find_person_by_email, list_decisions, undo

    settings = fresh
    _loaded(es, settings)
    dana = find_person_by_email(es, settings, "dana@northwind.com")
    [merge] = [d for d in list_decisions(es, settings, action="merge", person_id=dana.person_id) if d["rule"] == "fuzzy"]
    record = undo(es, settings, merge["decision_id"], actor="test")
    assert record.action == "undo"
    a = find_person_by_email(es, settings, "dana@northwind.com")
    b = find_person_by_email(es, settings, "dana.smith@northwind.co.uk")
    assert a.person_id != b.person_id and b.contact_ids == ["c002"] and b.names == ["Dana Smyth"]
    [d] = [d for d in list_decisions(es, settings, action="merge") if d["decision_id"] == merge["decision_id"]]
    assert d["undone"] is True
    # the next pipeline run does not redo the undone merge
    [u] = identity_stage(settings, es)([_unit("u5", "dana.smith@northwind.co.uk", "Dana Smyth")]).units
    assert u.person_id == b.person_id


def test_identity_eval_reports_pairwise_precision_recall():
    from indexer.evals import identity

    m = identity.run(FIXTURE, thresholds=(0.8,))
    assert m["f1"] >= 0.9 and m["shared_merged_with_others"] == 0 and m["shared_flagged"] == 1
    assert "threshold" in identity.format(m)
