"""Enrichment promises that involve the real Elasticsearch: the built pipeline indexes what it
enriches, duplicates are matched against already indexed units, and `taxonomy apply` re-labels
history into a new index version while readers keep getting answers."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from elasticsearch.helpers import bulk

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.model import FeedbackUnit, Provenance, stable_id

T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)
TEXTS = [
    "The iOS app crashes every time I open a report",
    "I was charged twice for the same subscription this month",
    "Sync has been stuck for hours, nothing shows up on my laptop",
    "Please add CSV export for dashboards",
    "Love this product, our team uses it daily",
    "SSO login fails with an Okta error",
]


def unit(text, record, minutes=0, role="customer"):
    return FeedbackUnit(unit_id=stable_id("appstore", record, "body", 0), source_record_id=record, source="appstore",
                        channel="review", connector="appstore", text=text, created_at=T0 + timedelta(minutes=minutes),
                        speaker_role=role, is_customer_signal=role == "customer", provenance=Provenance(record_part="body"))


def index_units(es, settings, units):
    bulk(es, ({"_index": settings.indices.feedback_write, "_id": u.unit_id, "_source": u.to_doc()} for u in units))
    es.indices.refresh(index=settings.indices.feedback)


@pytest.fixture
def pipeline_for(tmp_path):
    from dataclasses import replace

    from indexer.enrich.build import build_pipeline

    def make(settings, es, **options):
        return build_pipeline(replace(settings, home=tmp_path), es, **options)

    return make


def test_the_pipeline_runs_every_stage_in_order_and_its_output_indexes(es, settings, pipeline_for):
    pipe = pipeline_for(settings, es)
    names = pipe.names()
    mine = [n for n in names if n in ("segment", "embed", "taxonomy", "sentiment", "duplicates")]
    assert mine == ["segment", "embed", "taxonomy", "sentiment", "duplicates"]
    if "pii" in names:
        assert names.index("pii") < names.index("segment")
    units = pipe.run([unit(t, f"r{i}", i) for i, t in enumerate(TEXTS)] + [unit("Happy to help!", "a1", role="agent")]).units
    index_units(es, settings, units)
    assert es.count(index=settings.indices.feedback, query={"exists": {"field": "taxonomy.primary_theme"}})["count"] == len(TEXTS)
    assert es.count(index=settings.indices.feedback, query={"exists": {"field": "embedding"}})["count"] == len(TEXTS) + 1
    assert all(u.taxonomy.primary_theme is None and u.intent.label is None for u in units if u.speaker_role == "agent")


def test_duplicates_are_found_against_already_indexed_units(es, settings, pipeline_for):
    pipe = pipeline_for(settings, es, pii=False, identity=False, account_context=False)
    def by_dana(u):
        u.person_id = "dana"  # one customer re-sending the same complaint
        return u

    first = pipe.run([by_dana(unit("The password reset email never arrives", "r1", 0))]).units
    index_units(es, settings, first)
    batch = pipe.run([by_dana(unit("The password reset email never arrives!", "r2", 60)),
                      by_dana(unit("Password reset email never arrives, please help me", "r3", 90))])
    later = batch.units
    gid = stable_id("dup", first[0].unit_id)
    assert [u.duplicate_group for u in later] == [gid, gid]
    assert all(u.is_duplicate for u in later)
    # the stage decided that the indexed unit now heads a group; it wrote nothing itself
    assert es.get(index=settings.indices.feedback, id=first[0].unit_id)["_source"].get("duplicate_group") is None
    assert [(w.stage, w.action["_id"], w.action["_op_type"]) for w in batch.writes] == [("duplicates", first[0].unit_id, "update")]
    bulk_write(es, [w.action for w in batch.writes], RetryPolicy(), "writing duplicate links", refresh=True)
    stored = es.get(index=settings.indices.feedback, id=first[0].unit_id)["_source"]
    assert stored["duplicate_group"] == gid and stored["is_duplicate"] is False


def test_a_customers_repeat_is_found_however_many_other_customers_said_the_same(es, settings, pipeline_for):
    """Near-duplicates join one speaker's texts only, so the indexed lookup asks for that speaker's
    units: other customers who wrote the very words of Dana's repeat must not fill the k nearest."""
    pipe = pipeline_for(settings, es, pii=False, identity=False, account_context=False)

    def said_by(person, u):
        u.person_id = person
        return u

    repeat = "Password reset email never arrives, please help me"
    crowd = [said_by(f"other-{i}", unit(repeat, f"c{i}", i)) for i in range(7)]
    first = pipe.run(crowd + [said_by("dana", unit("The password reset email never arrives", "d1", 10))]).units
    index_units(es, settings, first)
    later = pipe.run([said_by("dana", unit(repeat, "d2", 90))]).units
    assert later[0].is_duplicate  # Dana said it before; the crowd's copies alone would not make it a repeat


def test_a_repeat_is_found_when_another_customers_exact_copy_came_in_the_same_batch(es, settings, pipeline_for):
    """Exact copies are fetched without their vectors (vectors are most of a unit's bytes); the
    copy must still count as near when the speaker's own kNN returns it."""
    pipe = pipeline_for(settings, es, pii=False, identity=False, account_context=False)

    def said_by(person, u):
        u.person_id = person
        return u

    first = pipe.run([said_by("dana", unit("The password reset email never arrives", "d1", 0))]).units
    index_units(es, settings, first)
    copy, repeat = pipe.run([said_by("sam", unit("The password reset email never arrives", "s1", 60)),
                             said_by("dana", unit("Password reset email never arrives, please help me", "d2", 90))]).units
    gid = stable_id("dup", first[0].unit_id)
    assert copy.duplicate_group == gid and not copy.is_duplicate  # Sam said it once
    assert repeat.duplicate_group == gid and repeat.is_duplicate  # Dana said it twice


def test_indexed_vectors_keep_six_decimals_and_the_same_direction(es, settings, pipeline_for):
    import numpy as np

    units = pipeline_for(settings, es, pii=False, identity=False, account_context=False).run(
        [unit(TEXTS[0], "v1")]).units
    index_units(es, settings, units)
    stored = es.get(index=settings.indices.feedback, id=units[0].unit_id)["_source"]["embedding"]
    assert all(abs(x - round(x, 6)) < 1e-12 for x in stored)
    a, b = np.asarray(stored), np.asarray(units[0].embedding)
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 1 - 1e-9


def test_taxonomy_apply_relabels_history_into_a_new_version_while_readers_keep_getting_hits(es, settings, pipeline_for, tmp_path):
    from dataclasses import replace

    from indexer.taxonomy_apply import apply_taxonomy

    units = pipeline_for(settings, es, pii=False, identity=False, account_context=False, duplicates=False).run(
        [unit(t, f"r{i}-{k}", i + k) for k in range(30) for i, t in enumerate(TEXTS)]).units
    for u in units:
        u.taxonomy.version = "old"
    index_units(es, settings, units)
    alias = settings.indices.feedback
    old = next(iter(es.indices.get_alias(name=alias)))

    errors, counts, stop = [], [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                counts.append(es.search(index=alias, query={"match": {"text": "app"}}, size=0,
                                        track_total_hits=True)["hits"]["total"]["value"])
            except Exception as exc:  # any failure is a broken promise
                errors.append(exc)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        result = apply_taxonomy(replace(settings, home=tmp_path), es, progress=False)
    finally:
        stop.set()
        thread.join()
    assert not errors and counts and min(counts) > 0
    assert result.old_index == old and result.new_index.endswith("-v2") and result.copied == len(units)
    assert list(es.indices.get_alias(name=alias)) == [result.new_index]
    assert list(es.indices.get_alias(name=settings.indices.feedback_write)) == [result.new_index]
    versions = es.search(index=alias, size=0, aggs={"v": {"terms": {"field": "taxonomy.version"}}})["aggregations"]["v"]["buckets"]
    assert [b["key"] for b in versions] == [result.taxonomy_version]
    assert es.count(index=alias)["count"] == len(units)
