"""The relevance evaluation: judged queries cover the taxonomy, metrics are the textbook ones, and
an end-to-end run scores keyword, vector and hybrid side by side on a labeled directory."""
from __future__ import annotations

import json
import os
import stat
import uuid
from dataclasses import replace

import pytest
import yaml

from search_api.evaluation import evaluate, format, load_queries, ndcg_at, recall_at
from search_api.params import TAXONOMY, taxonomy_labels
from search_api.synthetic import TEXTS
from voxindex.setup import drop_indices


def test_judged_queries_cover_every_sub_theme_and_are_not_copied_from_the_taxonomy():
    queries = load_queries()
    assert len(queries) >= 50
    _, subs = taxonomy_labels()
    assert {q.sub_theme for q in queries} == set(subs)
    tax = yaml.safe_load(TAXONOMY.read_text())
    borrowed = {str(s).lower() for t in tax["themes"].values() for st in t["sub_themes"].values()
                for s in st.get("examples", []) + st.get("keywords", [])}
    assert not [q.text for q in queries if q.text.lower() in borrowed]


def test_ndcg_and_recall_follow_their_definitions():
    rel = {"a", "b"}
    assert ndcg_at(["a", "b", "x"], rel) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], rel) == pytest.approx((1 / 1.5849625) / (1 + 1 / 1.5849625), rel=1e-4)
    assert ndcg_at(["x", "y"], rel) == 0.0
    assert recall_at(["a", "x"], rel, 50) == 0.5
    big = {str(i) for i in range(200)}
    assert recall_at([str(i) for i in range(50)], big, 50) == 1.0  # normalised by min(R, k)


def _labeled_dir(tmp_path):
    gt = tmp_path / "ground_truth"
    gt.mkdir()
    with (gt / "units.jsonl").open("w") as fh:
        for i, (theme, sub, _sent, _intent, _sev, text) in enumerate(TEXTS):
            fh.write(json.dumps({"source": "zendesk", "record_id": str(i), "part": "c1", "segment": 0, "text": text,
                                 "theme": theme, "sub_theme": sub, "speaker_role": "customer"}) + "\n")
            fh.write(json.dumps({"source": "zendesk", "record_id": str(i), "part": "c2", "segment": 0,
                                 "text": "agent reply", "theme": None, "sub_theme": None, "speaker_role": "agent"}) + "\n")
    return tmp_path


def test_eval_scores_three_modes_side_by_side(es, base_settings, tmp_path):
    settings = replace(base_settings, index_prefix=f"vxt-seval-{uuid.uuid4().hex[:6]}")
    try:
        m = evaluate(_labeled_dir(tmp_path), settings=settings, corpus="sample", per_sub_theme=5, es=es)
        assert m["corpus"]["kind"] == "sample" and m["corpus"]["units"] == len(TEXTS)
        for mode in ("keyword", "vector", "hybrid"):
            assert 0.0 <= m["modes"][mode]["ndcg@10"] <= 1.0 and 0.0 <= m["modes"][mode]["recall@50"] <= 1.0
        # with hand-written paraphrases, meaning beats words
        assert m["modes"]["hybrid"]["ndcg@10"] > m["modes"]["keyword"]["ndcg@10"]
        text = format(m)
        assert "keyword" in text and "hybrid" in text and "nDCG@10" in text
    finally:
        drop_indices(es, replace(settings, index_prefix=f"{settings.index_prefix}-searcheval").indices)


def test_first_serve_creates_an_admin_and_a_viewer_key_once(es, make_settings, tmp_path, capsys):
    from search_api.auth import KeyStore
    from search_api.server import bootstrap_keys, ensure_api_indices

    settings = make_settings(home=tmp_path)
    ensure_api_indices(es, settings)
    path = bootstrap_keys(es, settings)
    assert path is not None and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    lines = dict(line.split() for line in path.read_text().splitlines())
    store = KeyStore(es, settings.indices)
    assert store.verify(lines["admin"]).role == "admin" and store.verify(lines["viewer"]).role == "viewer"
    assert lines["admin"] in capsys.readouterr().out
    assert bootstrap_keys(es, settings) is None  # keys exist: nothing new, nothing printed
    docs = es.search(index=settings.indices.alias("apikeys"))["hits"]["hits"]
    assert all(lines["admin"] not in json.dumps(d["_source"]) for d in docs)  # only hashes are stored
