"""`voxindex setup` against the real node: templates, versioned indices, read/write aliases, idempotent."""
from voxindex.setup import KINDS, setup_indices


def test_setup_creates_versioned_indices_behind_aliases(es, settings):
    names = settings.indices
    for kind in KINDS:
        alias = names.alias(kind)
        got = es.indices.get_alias(name=alias)
        assert list(got) == [f"{alias}-v1"]
        write = es.indices.get_alias(name=names.write_alias(kind))
        assert write[f"{alias}-v1"]["aliases"][names.write_alias(kind)]["is_write_index"] is True


def test_setup_is_idempotent(es, settings):
    first = setup_indices(es, settings.indices)
    second = setup_indices(es, settings.indices)
    assert first == second


def test_feedback_alias_accepts_a_unit_and_knn_works(es, settings):
    names = settings.indices
    es.index(index=names.feedback_write, id="u1", document={"unit_id": "u1", "text": "sync fails", "embedding": [0.1] * 384}, refresh=True)
    res = es.search(index=names.feedback, knn={"field": "embedding", "query_vector": [0.1] * 384, "k": 1, "num_candidates": 5})
    assert res["hits"]["hits"][0]["_id"] == "u1"
