"""The canonical dataclasses and the Elasticsearch mappings agree field for field."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from voxindex import model
from voxindex.model import FeedbackUnit, ValidationError, field_paths, stable_id
from voxindex.setup import load_spec

ES_TYPES = {
    str: {"keyword", "text"},
    int: {"integer", "long"},
    float: {"float", "double", "dense_vector"},
    bool: {"boolean"},
    datetime: {"date"},
    date: {"date"},
}
NOT_INDEXED = {"author_email", "author_name"}  # identity inputs, removed by to_doc()


def mapping_paths(props: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for name, spec in props.items():
        if "properties" in spec and spec.get("type") in (None, "object", "nested"):
            out.update(mapping_paths(spec["properties"], f"{prefix}{name}."))
        else:
            out[f"{prefix}{name}"] = spec["type"]
    return out


@pytest.mark.parametrize(
    "cls,kind,skip",
    [(FeedbackUnit, "feedback", NOT_INDEXED), (model.Account, "accounts", set()), (model.Person, "people", set())],
)
def test_dataclass_and_mapping_agree_field_for_field(cls, kind, skip):
    fields = {k: v for k, v in field_paths(cls).items() if k not in skip}
    mapped = mapping_paths(load_spec(kind).body["mappings"]["properties"])
    assert set(fields) == set(mapped), f"only in dataclass: {set(fields) - set(mapped)}; only in mapping: {set(mapped) - set(fields)}"
    for path, pytype in fields.items():
        assert mapped[path] in ES_TYPES[pytype], f"{path}: python {pytype.__name__} vs mapping {mapped[path]}"


def test_embedding_is_a_384_dim_cosine_knn_vector_stored_compactly():
    emb = load_spec("feedback").body["mappings"]["properties"]["embedding"]
    assert emb == {"type": "dense_vector", "dims": 384, "index": True, "similarity": "cosine",
                   "index_options": {"type": "int8_hnsw", "m": 16, "ef_construction": 100}}


def _unit(**kw):
    base = dict(
        unit_id=stable_id("zendesk", "1", "c1", 0),
        source_record_id="1",
        source="zendesk",
        channel="ticket",
        connector="zendesk",
        text="Sync is broken",
        created_at=datetime(2026, 9, 1, tzinfo=timezone.utc),
    )
    base.update(kw)
    return FeedbackUnit(**base)


def test_unit_round_trips_through_its_document():
    unit = _unit(author_email="dana@x.com", author_name="Dana")
    unit.account.renewal_date = date(2027, 3, 31)
    unit.taxonomy.theme = ["reliability"]
    doc = unit.validate().to_doc()
    assert "author_email" not in doc and "author_name" not in doc
    back = FeedbackUnit.from_doc(doc)
    assert back.created_at == unit.created_at
    assert back.account.renewal_date == date(2027, 3, 31)
    assert back.taxonomy.theme == ["reliability"]


@pytest.mark.parametrize(
    "kw,message",
    [
        ({"text": "  "}, "text"),
        ({"speaker_role": "martian"}, "speaker_role"),
        ({"embedding": [0.0] * 3}, "embedding"),
        ({"created_at": datetime(2026, 1, 1)}, "created_at"),
    ],
)
def test_validation_names_the_field(kw, message):
    with pytest.raises(ValidationError, match=message):
        _unit(**kw).validate()


def test_ids_are_deterministic():
    assert stable_id("a", 1, None) == stable_id("a", 1, None)
    assert stable_id("a", 1) != stable_id("a", 2)


def test_parse_time_accepts_z_and_rejects_garbage():
    assert model.parse_time("2026-09-01T10:00:00Z").tzinfo is not None
    with pytest.raises(ValidationError):
        model.parse_time("yesterday-ish")
