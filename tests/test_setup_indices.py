"""`voxindex setup` against the real node: templates, versioned indices, read/write aliases, idempotent."""
import json

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


def test_setup_adds_fields_a_newer_version_introduced_to_an_existing_index(es, settings):
    """An index made before a field existed (strict mapping) still takes today's documents after
    `voxindex setup`: upgrading VoxIndex must not dead-letter every unit."""
    from voxindex.setup import load_spec, setup_indices

    physical = next(iter(es.indices.get_alias(name=settings.indices.feedback)))
    spec = load_spec("feedback").body["mappings"]["properties"]
    assert "confident" in spec["taxonomy"]["properties"]
    # what an older version's index looked like: the taxonomy object without `confident`
    es.indices.delete(index=physical)
    old = json.loads(json.dumps(load_spec("feedback").body))
    del old["mappings"]["properties"]["taxonomy"]["properties"]["confident"]
    es.indices.create(index=physical, mappings=old["mappings"], settings=old["settings"],
                      aliases={settings.indices.feedback: {}, settings.indices.feedback_write: {"is_write_index": True}})
    setup_indices(es, settings.indices, kinds=("feedback",))
    es.index(index=settings.indices.feedback_write, id="u1", refresh=True,
             document={"unit_id": "u1", "taxonomy": {"confident": True}})
    assert es.count(index=settings.indices.feedback)["count"] == 1
