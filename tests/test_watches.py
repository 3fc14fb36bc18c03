"""Watches fire the moment a matching unit is indexed. The same conformance tests drive both
engines: the batch _msearch engine (this cluster) and the native percolator (skipped unless the
cluster has the module)."""
from datetime import datetime, timezone

import pytest

from detectors import watches
from detectors.synthetic import index_units, scratch_settings, unit
from voxindex.cli import main

NOW = datetime.now(timezone.utc)


@pytest.fixture(scope="module")
def settings(es, base_settings):
    yield from scratch_settings(es, base_settings)


@pytest.fixture(params=["batch", "percolator"])
def engine(request, es, settings):
    if request.param == "percolator" and not watches.uses_percolator(es, settings.indices):
        pytest.skip("this Elasticsearch has no percolator module")
    return watches.engine_for(es, settings.indices, request.param)


@pytest.fixture(scope="module")
def stored(es, settings):
    names = settings.indices
    watches.add_watch(es, names, {"name": "sync-enterprise", "query": "sync stuck", "segment": ["enterprise"],
                                  "min_arr": 50000, "owner": "team-sync"})
    watches.add_watch(es, names, {"name": "eu-billing", "theme": ["billing"], "region": ["EU"], "sentiment": ["negative"]})
    watches.add_watch(es, names, {"name": "ios-482", "app_version": ["4.8.2"], "source": ["appstore"]})
    watches.add_watch(es, names, {"name": "paused", "query": "sync", "active": False})
    return names


def batch(tag):
    return [
        unit("Sync is stuck since the update", NOW, unit_id=f"{tag}-1", segment="enterprise", arr=90000.0, account_id="acc_1"),
        unit("sync stuck again", NOW, unit_id=f"{tag}-2", segment="smb", arr=90000.0),
        unit("sync stuck for us too", NOW, unit_id=f"{tag}-3", segment="enterprise", arr=1000.0),
        unit("charged twice", NOW, unit_id=f"{tag}-4", theme="billing", region="EU"),
        unit("charged twice", NOW, unit_id=f"{tag}-5", theme="billing", region="EU", sentiment="positive"),
        unit("crashes", NOW, unit_id=f"{tag}-6", app_version="4.8.2", source="appstore"),
        unit("sync stuck (agent reply)", NOW, unit_id=f"{tag}-7", segment="enterprise", arr=90000.0,
             speaker_role="agent", is_customer_signal=False),
    ]


def test_engines_match_each_watch_to_exactly_its_units(es, settings, stored, engine):
    docs = batch(engine.name)
    index_units(es, stored, docs, refresh=False)
    got = engine.match(docs)
    tag = engine.name
    assert got == {"sync-enterprise": [f"{tag}-1"], "eu-billing": [f"{tag}-4"], "ios-482": [f"{tag}-6"]}


def test_on_indexed_writes_one_alert_per_watch_and_unit_and_dedups(es, settings, stored, engine, caplog):
    docs = batch(f"oi-{engine.name}")
    index_units(es, stored, docs, refresh=False)
    alerts = watches.on_indexed(es, settings, docs, engine=engine)
    assert sorted(a["dedup_key"].split("|")[1] for a in alerts) == sorted(
        f"unit={d}-{i},watch={w}" for d, i, w in [(f"oi-{engine.name}", 1, "sync-enterprise"),
                                                  (f"oi-{engine.name}", 4, "eu-billing"),
                                                  (f"oi-{engine.name}", 6, "ios-482")])
    sync = next(a for a in alerts if "sync-enterprise" in a["rule"])
    assert sync["owner"] == "team-sync" and sync["unit_ids"] == [f"oi-{engine.name}-1"]
    assert sync["impact"]["arr"] == 90000.0 and sync["kind"] == "watch"
    # the same unit matched again (re-indexed) is the same alert, and no new evidence: it does not grow
    caplog.set_level("INFO", logger="voxindex.watches")
    again = watches.on_indexed(es, settings, docs[:1], engine=engine)
    assert [a["alert_id"] for a in again] == [sync["alert_id"]]
    assert f"-> alert {sync['alert_id']} (unchanged)" in caplog.text and "(grown)" not in caplog.text
    assert [h["action"] for h in again[0]["history"]] == [h["action"] for h in sync["history"]]


def test_compiled_watch_is_plain_dsl():
    q = watches.compile_query(watches.WatchSpec(name="x", query="sync", theme=["reliability"], min_arr=10).validate())
    assert {"terms": {"taxonomy.theme": ["reliability"]}} in q["bool"]["filter"]
    assert {"range": {"account.arr": {"gte": 10.0}}} in q["bool"]["filter"]
    with pytest.raises(ValueError, match="give --query or at least one filter"):
        watches.WatchSpec(name="everything").validate()


def test_watches_cli_add_list_test_delete(es, settings, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", settings.index_prefix)
    assert main(["watches", "add", "--name", "cli-watch", "--query", "refund", "--theme", "billing", "--min-arr", "100"]) == 0
    assert main(["watches", "list"]) == 0
    assert "cli-watch" in capsys.readouterr().out
    assert main(["watches", "test", "cli-watch", "--text", "please refund me"]) == 3  # no theme on a bare text
    unit_file = tmp_path / "u.json"
    import json

    unit_file.write_text(json.dumps(unit("please refund me", NOW, theme="billing", arr=500.0)))
    assert main(["watches", "test", "cli-watch", "--unit-json", str(unit_file)]) == 0
    assert "MATCH" in capsys.readouterr().out
    assert main(["watches", "delete", "cli-watch"]) == 0
    assert watches.get_watch(es, settings.indices, "cli-watch") is None


def test_the_precheck_never_drops_a_watch_that_elasticsearch_would_match():
    docs = [unit("Okta SSO login fails, can't sync_now (v4.8.2)", NOW, theme="access")]
    tokens = watches.batch_tokens(docs)
    assert watches.could_match({"query": "okta login"}, docs, tokens)
    assert watches.could_match({"query": "the okta"}, docs, tokens)  # stop words are not required
    assert watches.could_match({"query": "sync*"}, docs, tokens)  # operators: left to Elasticsearch
    assert not watches.could_match({"query": "okta refund"}, docs, tokens)
    assert not watches.could_match({"query": "okta", "theme": ["billing"]}, docs, tokens)


def test_python_decided_watches_agree_with_elasticsearch(es, settings, stored):
    docs = batch("agree")
    index_units(es, stored, docs, refresh=False)
    fast = watches.BatchMatchEngine(es, stored).match(docs)
    every_watch_in_es = watches.BatchMatchEngine(es, stored, prefilter=False).match(docs)
    assert fast == every_watch_in_es
