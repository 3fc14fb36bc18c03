"""Idempotent index setup: versioned templates, physical indices, read and write aliases.

Each mapping file in `mappings/` becomes a composable index template matching
`<prefix>-<kind>-v*`; the physical index `<prefix>-<kind>-v<version>` is created once and
reached through the read alias `<prefix>-<kind>` and the write alias `<prefix>-<kind>-write`.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path

from elasticsearch import BadRequestError, Elasticsearch

from .config import IndexNames

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"
KINDS = ("feedback", "accounts", "people", "identities", "alerts", "watches", "audit", "deadletter", "state", "apikeys")


@dataclass(frozen=True)
class IndexSpec:
    kind: str
    version: int
    body: dict

    def physical(self, names: IndexNames, version: int | None = None) -> str:
        return f"{names.alias(self.kind)}-v{version or self.version}"


def load_spec(kind: str) -> IndexSpec:
    path = MAPPINGS_DIR / f"{kind}.json"
    data = json.loads(path.read_text())
    return IndexSpec(kind=kind, version=int(data["version"]), body={"settings": data["settings"], "mappings": data["mappings"]})


def percolator_body(feedback: IndexSpec, watches: IndexSpec) -> dict:
    """Watches mapping for clusters with the percolator module: the stored query is percolatable
    against documents shaped like feedback units, so the feedback fields are copied in."""
    body = copy.deepcopy(watches.body)
    props = body["mappings"]["properties"]
    props["query"] = {"type": "percolator"}
    props["unit"] = {"properties": copy.deepcopy(feedback.body["mappings"]["properties"])}
    for key, value in feedback.body["mappings"]["properties"].items():
        props.setdefault(key, copy.deepcopy(value))
    body["settings"] = {**body["settings"], "analysis": feedback.body["settings"]["analysis"]}
    return body


def template_refresh_interval(kind: str = "feedback") -> str:
    """The refresh interval an index of this kind runs with (bulk loaders restore it after -1)."""
    return str(load_spec(kind).body["settings"].get("refresh_interval", "1s"))


def ensure_index(es: Elasticsearch, names: IndexNames, spec: IndexSpec, body: dict | None = None) -> str:
    body = body or spec.body
    alias, write_alias = names.alias(spec.kind), names.write_alias(spec.kind)
    es.indices.put_index_template(
        name=alias,
        index_patterns=[f"{alias}-v*"],
        template={"settings": body["settings"], "mappings": body["mappings"]},
        version=spec.version,
        priority=100,
        meta={"managed_by": "voxindex", "kind": spec.kind},
    )
    if es.indices.exists_alias(name=alias):
        current = next(iter(es.indices.get_alias(name=alias)))
        _add_new_fields(es, current, body["mappings"])
        _follow_dynamic_settings(es, current, body["settings"])
        return current
    physical = spec.physical(names)
    if not es.indices.exists(index=physical):
        es.indices.create(index=physical, aliases={alias: {}, write_alias: {"is_write_index": True}})
    else:
        es.indices.update_aliases(
            actions=[
                {"add": {"index": physical, "alias": alias}},
                {"add": {"index": physical, "alias": write_alias, "is_write_index": True}},
            ]
        )
    return physical


def _follow_dynamic_settings(es: Elasticsearch, index: str, settings: dict) -> None:
    """An existing index takes this version's refresh interval (a dynamic setting), so upgrading
    does not need a re-index for it."""
    wanted = settings.get("refresh_interval")
    if wanted is None:
        return
    current = es.indices.get_settings(index=index, name="index.refresh_interval")
    have = current.get(index, {}).get("settings", {}).get("index", {}).get("refresh_interval")
    if have != wanted:
        es.indices.put_settings(index=index, settings={"index": {"refresh_interval": wanted}})


def _add_new_fields(es: Elasticsearch, index: str, mappings: dict) -> None:
    """An index made by an older VoxIndex gets the fields this version added (mappings are strict,
    so a new field would otherwise reject every document). Changing an existing field's type is
    not additive: that needs a new index version (`voxindex taxonomy apply` re-indexes feedback)."""
    try:
        es.indices.put_mapping(index=index, properties=mappings.get("properties", {}))
    except BadRequestError as exc:
        raise RuntimeError(f"{index} was made by another VoxIndex version and its mapping cannot take this "
                           f"one's ({exc.message}); re-index it into a new version (`voxindex taxonomy apply` "
                           f"for feedback) or drop it") from exc


def setup_indices(es: Elasticsearch, names: IndexNames, kinds: tuple[str, ...] = KINDS) -> dict[str, str]:
    from .es import has_percolator

    specs = {kind: load_spec(kind) for kind in kinds}
    percolate = "watches" in specs and has_percolator(es)
    created = {}
    for kind, spec in specs.items():
        body = percolator_body(load_spec("feedback"), spec) if (kind == "watches" and percolate) else None
        created[kind] = ensure_index(es, names, spec, body)
    return created


def drop_indices(es: Elasticsearch, names: IndexNames) -> None:
    """Remove every index and template under the prefix (tests and `voxindex reset`)."""
    es.options(ignore_status=404).indices.delete(index=f"{names.prefix}-*", expand_wildcards="all")
    found = es.options(ignore_status=404).indices.get_index_template(name=f"{names.prefix}-*")
    for template in found.get("index_templates", []):
        es.indices.delete_index_template(name=template["name"])
