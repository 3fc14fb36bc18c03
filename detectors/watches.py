"""Watches: saved queries matched against every batch as it is indexed.

A watch is declarative (`WatchSpec`: keywords, theme, segment, ARR floor, source, app version,
sentiment...) and compiled to Elasticsearch DSL. Two engines share one interface
(`match(docs) -> {watch name: [unit ids]}`), picked automatically:

* `PercolatorEngine` - clusters with the percolator module: watches are stored with a
  `query` percolator field and each new batch is percolated (`percolate` with `documents`).
* `BatchMatchEngine` - clusters without it (the integ-test zip): right after the bulk, every
  active watch runs restricted to the batch's unit ids, all in one `_msearch`. A Python
  pre-check narrows each watch to the units that pass its structured filters and contain its
  plain keywords; a watch without keywords is then fully decided in Python (exact keyword-field
  equality), so only keyword watches with candidate units reach Elasticsearch.

The ingest runner calls `on_indexed(es, settings, docs)` after each successful bulk.
The search API can use `add_watch`, `list_watches`, `get_watch`, `delete_watch`, `test_watch`.
"""
from __future__ import annotations

import copy
import logging
import re
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from elasticsearch import Elasticsearch

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.config import IndexNames, Settings
from voxindex.model import iso, parse_time, stable_id, utcnow

from .fields import FIELDS, es_field
from .finding import Finding
from .rule import parse_duration

log = logging.getLogger("voxindex.watches")

# structured watch fields: spec attribute -> friendly field name
TERM_FIELDS = ("theme", "sub_theme", "segment", "source", "app_version", "sentiment", "intent", "severity",
               "region", "plan", "product_area", "account", "tags", "channel", "locale")
MSEARCH_CHUNK = 1000  # searches per _msearch request; one request up to 1,000 watches
CACHE_TTL = 30.0  # seconds other processes' watch edits take to be seen


@dataclass
class WatchSpec:
    name: str
    query: str | None = None  # keywords (simple_query_string over text and title; AND by default)
    theme: list[str] = field(default_factory=list)
    sub_theme: list[str] = field(default_factory=list)
    segment: list[str] = field(default_factory=list)
    source: list[str] = field(default_factory=list)
    app_version: list[str] = field(default_factory=list)
    sentiment: list[str] = field(default_factory=list)
    intent: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    product_area: list[str] = field(default_factory=list)
    account: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    locale: list[str] = field(default_factory=list)
    min_arr: float | None = None
    customers_only: bool = True
    owner: str | None = None
    realert: str = "7d"
    alerts: list[dict[str, Any]] = field(default_factory=list)
    active: bool = True

    def validate(self) -> "WatchSpec":
        if not self.name or not str(self.name).strip():
            raise ValueError("watch: field 'name': required")
        for attr in TERM_FIELDS:
            value = getattr(self, attr)
            if isinstance(value, str):
                setattr(self, attr, [v.strip() for v in value.split(",") if v.strip()])
        if self.min_arr is not None:
            try:
                self.min_arr = float(self.min_arr)
            except (TypeError, ValueError):
                raise ValueError(f"watch {self.name}: field 'min_arr': expected a number, got {self.min_arr!r}") from None
        try:
            parse_duration(self.realert)
        except ValueError as exc:
            raise ValueError(f"watch {self.name}: field 'realert': {exc}") from None
        if not self.query and not any(getattr(self, a) for a in TERM_FIELDS) and self.min_arr is None:
            raise ValueError(f"watch {self.name}: give --query or at least one filter, or it matches everything")
        return self

    @classmethod
    def from_dict(cls, data: dict) -> "WatchSpec":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"watch: field {unknown[0]!r}: unknown; allowed: {', '.join(cls.__dataclass_fields__)}")
        return cls(**known).validate()


def compile_query(spec: WatchSpec) -> dict:
    """The watch as DSL; the same query runs in both engines."""
    flt: list[dict] = []
    if spec.customers_only:
        flt.append({"term": {"is_customer_signal": True}})
    for attr in TERM_FIELDS:
        values = getattr(spec, attr)
        if values:
            flt.append({"terms": {es_field(attr): list(values)}})
    if spec.min_arr is not None:
        flt.append({"range": {"account.arr": {"gte": spec.min_arr}}})
    must = []
    if spec.query:
        must.append({"simple_query_string": {"query": spec.query, "fields": ["text", "title"], "default_operator": "and"}})
    return {"bool": {"filter": flt, "must": must}}


# ----------------------------------------------------------------------------- storage

_cache: dict[str, tuple[float, list[dict]]] = {}
_cache_lock = threading.Lock()


def _invalidate(names: IndexNames) -> None:
    with _cache_lock:
        _cache.pop(names.prefix, None)


def uses_percolator(es: Elasticsearch, names: IndexNames) -> bool:
    """Percolator engine when the cluster has the module and the watches index was made for it."""
    from voxindex.es import has_percolator

    key = f"perc:{names.prefix}:{id(es)}"
    with _cache_lock:
        if key in _cache:
            return bool(_cache[key][1])
    ok = False
    if has_percolator(es):
        mapping = es.indices.get_mapping(index=names.watches)
        ok = any(m["mappings"].get("properties", {}).get("query", {}).get("type") == "percolator" for m in mapping.values())
    with _cache_lock:
        _cache[key] = (time.monotonic(), [True] if ok else [])
    return ok


def add_watch(es: Elasticsearch, names: IndexNames, spec: WatchSpec | dict, *, refresh: bool = True) -> dict:
    spec = spec if isinstance(spec, WatchSpec) else WatchSpec.from_dict(spec)
    spec.validate()
    now = iso(utcnow())
    query = compile_query(spec)
    doc = {"watch_id": stable_id("watch", spec.name), "name": spec.name, "owner": spec.owner, "active": spec.active,
           "spec": asdict(spec), "query_json": _json(query), "created_at": now, "updated_at": now}
    old = get_watch(es, names, spec.name)
    if old:
        doc["created_at"] = old.get("created_at", now)
    if uses_percolator(es, names):
        doc["query"] = query
    es.index(index=names.write_alias("watches"), id=doc["watch_id"], document=doc, refresh=refresh)
    _invalidate(names)
    return doc


def bulk_add_watches(es: Elasticsearch, names: IndexNames, specs: list[WatchSpec]) -> int:
    """Many watches at once (benchmarks, imports)."""
    perc = uses_percolator(es, names)
    now = iso(utcnow())

    def actions():
        for spec in specs:
            spec.validate()
            q = compile_query(spec)
            doc = {"watch_id": stable_id("watch", spec.name), "name": spec.name, "owner": spec.owner, "active": spec.active,
                   "spec": asdict(spec), "query_json": _json(q), "created_at": now, "updated_at": now}
            if perc:
                doc["query"] = q
            yield {"_index": names.write_alias("watches"), "_id": doc["watch_id"], "_source": doc}

    result = bulk_write(es, list(actions()), RetryPolicy(chunk_size=1000), "adding watches", refresh=True)
    result.raise_for_failures("adding watches")
    _invalidate(names)
    return len(result.ok)


def _json(obj: Any) -> str:
    import json

    return json.dumps(obj, sort_keys=True)


def list_watches(es: Elasticsearch, names: IndexNames, active_only: bool = False) -> list[dict]:
    """All watches (PIT-free paging by name; watch counts are thousands, not millions)."""
    out: list[dict] = []
    query = {"term": {"active": True}} if active_only else {"match_all": {}}
    after = None
    while True:
        kw: dict = {"index": names.watches, "size": 5000, "query": query, "sort": [{"watch_id": "asc"}],
                    "source": ["watch_id", "name", "owner", "active", "spec", "query_json", "created_at", "updated_at"]}
        if after:
            kw["search_after"] = after
        hits = es.search(**kw)["hits"]["hits"]
        out += [h["_source"] for h in hits]
        if len(hits) < 5000:
            return sorted(out, key=lambda d: d["name"])
        after = hits[-1]["sort"]


def active_watches(es: Elasticsearch, names: IndexNames) -> list[dict]:
    with _cache_lock:
        hit = _cache.get(names.prefix)
        if hit and time.monotonic() - hit[0] < CACHE_TTL:
            return hit[1]
    watches = list_watches(es, names, active_only=True)
    with _cache_lock:
        _cache[names.prefix] = (time.monotonic(), watches)
    return watches


def get_watch(es: Elasticsearch, names: IndexNames, name: str) -> dict | None:
    res = es.search(index=names.watches, size=1, query={"term": {"name": name}})
    hits = res["hits"]["hits"]
    return hits[0]["_source"] if hits else None


def delete_watch(es: Elasticsearch, names: IndexNames, name: str) -> bool:
    found = get_watch(es, names, name)
    if not found:
        return False
    es.delete(index=names.write_alias("watches"), id=found["watch_id"], refresh=True)
    _invalidate(names)
    return True


# ----------------------------------------------------------------------------- engines


class WatchEngine(Protocol):
    name: str

    def match(self, docs: list[dict]) -> dict[str, list[str]]: ...


def _values(doc: dict, path: str) -> list:
    cur: Any = doc
    for part in path.split("."):
        if not isinstance(cur, dict):
            return []
        cur = cur.get(part)
    if cur is None:
        return []
    return cur if isinstance(cur, list) else [cur]


# Elasticsearch's `_english_` stop words: removed from queries, so never required of a text
_STOP = {"a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not",
         "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was",
         "will", "with"}
_PLAIN = re.compile(r"^[A-Za-z0-9\s]+$")
_TOKEN = re.compile(r"[a-z0-9]+")


def required_words(query: str | None) -> set[str]:
    """Words every match must contain, for plain keyword queries (AND of ASCII words); empty
    when the query uses any operator, phrase, prefix or fuzziness (then ES alone decides)."""
    if not query or not _PLAIN.match(query):
        return set()
    return {w for w in query.lower().split() if w not in _STOP}


def batch_tokens(docs: list[dict]) -> set[str]:
    """ASCII alphanumeric runs of the batch's text and titles. The standard tokenizer never
    splits inside such a run, so a word ES can match is always in this set."""
    out: set[str] = set()
    for d in docs:
        out.update(_TOKEN.findall(f"{d.get('text') or ''} {d.get('title') or ''}".lower()))
    return out


def structured_match(spec: dict, doc: dict) -> bool:
    """The watch's non-keyword conditions, evaluated exactly as Elasticsearch would: `terms` on
    keyword fields is string equality, `range` on account.arr, `term` on is_customer_signal."""
    if spec.get("customers_only", True) and doc.get("is_customer_signal") is not True:
        return False
    for attr in TERM_FIELDS:
        wanted = spec.get(attr)
        if wanted and not set(map(str, _values(doc, es_field(attr)))) & set(map(str, wanted)):
            return False
    if spec.get("min_arr") is not None:
        arr = _values(doc, "account.arr")
        if not arr or arr[0] is None or float(arr[0]) < float(spec["min_arr"]):
            return False
    return True


def doc_tokens(doc: dict) -> set[str]:
    return set(_TOKEN.findall(f"{doc.get('text') or ''} {doc.get('title') or ''}".lower()))


def could_match(spec: dict, docs: list[dict], tokens: set[str] | None = None) -> bool:
    """Cheap necessary condition: structured filters, plus plain keywords against the batch's
    words. Anything it cannot rule out goes to Elasticsearch, which has the final word."""
    words = required_words(spec.get("query"))
    if words and not words <= (tokens if tokens is not None else batch_tokens(docs)):
        return False
    return any(structured_match(spec, d) for d in docs)


class BatchMatchEngine:
    """No percolator: ids filter + watch query for every candidate watch, in one _msearch."""

    name = "batch"

    def __init__(self, es: Elasticsearch, names: IndexNames, watches: list[dict] | None = None, prefilter: bool = True):
        self.es, self.names, self.watches, self.prefilter = es, names, watches, prefilter

    def match(self, docs: list[dict]) -> dict[str, list[str]]:
        docs = [d for d in docs if d.get("unit_id")]
        if not docs:
            return {}
        watches = self.watches if self.watches is not None else active_watches(self.es, self.names)
        import json

        out: dict[str, list[str]] = {}
        searches: list[tuple[dict, list[str]]] = []
        tokens = [doc_tokens(d) for d in docs]
        for w in watches:
            spec = w.get("spec") or {}
            if not self.prefilter:
                searches.append((w, [d["unit_id"] for d in docs]))
                continue
            words = required_words(spec.get("query"))
            ids = [d["unit_id"] for d, t in zip(docs, tokens) if words <= t and structured_match(spec, d)]
            if not ids:
                continue
            if not spec.get("query"):
                out[w["name"]] = ids  # no keywords: the structured match is the whole watch
            else:
                searches.append((w, ids))
        if not searches:
            return out
        # the batch was just bulk-indexed; make it searchable before asking
        self.es.indices.refresh(index=self.names.feedback)
        for start in range(0, len(searches), MSEARCH_CHUNK):
            chunk = searches[start:start + MSEARCH_CHUNK]
            body: list[dict] = []
            for w, ids in chunk:
                body.append({"index": self.names.feedback})
                body.append({"size": len(ids), "_source": ["unit_id"],
                             "query": {"bool": {"filter": [{"terms": {"unit_id": ids}}, json.loads(w["query_json"])]}}})
            res = self.es.msearch(searches=body)
            for (w, _), r in zip(chunk, res["responses"]):
                if "error" in r:
                    log.warning("watch %s failed: %s", w["name"], r["error"])
                    continue
                hits = [h["_source"]["unit_id"] for h in r["hits"]["hits"]]
                if hits:
                    out[w["name"]] = hits
        return out


class PercolatorEngine:
    """Native percolator: one `percolate` search with all documents of the batch."""

    name = "percolator"

    def __init__(self, es: Elasticsearch, names: IndexNames):
        self.es, self.names = es, names

    def match(self, docs: list[dict]) -> dict[str, list[str]]:
        docs = [d for d in docs if d.get("unit_id")]
        if not docs:
            return {}
        # vectors and context are never part of a watch; leave them out of the in-memory index
        slim = [{k: v for k, v in d.items() if k not in ("embedding", "context")} for d in docs]
        out: dict[str, list[str]] = {}
        after = None
        while True:
            kw: dict = {"index": self.names.watches, "size": 1000, "source": ["name"], "sort": [{"watch_id": "asc"}],
                        "query": {"bool": {"filter": [{"term": {"active": True}},
                                                      {"percolate": {"field": "query", "documents": slim}}]}}}
            if after:
                kw["search_after"] = after
            hits = self.es.search(**kw)["hits"]["hits"]
            for h in hits:
                slots = h.get("fields", {}).get("_percolator_document_slot", [])
                out[h["_source"]["name"]] = [slim[i]["unit_id"] for i in slots]
            if len(hits) < 1000:
                return out
            after = hits[-1]["sort"]


def engine_for(es: Elasticsearch, names: IndexNames, kind: str = "auto") -> WatchEngine:
    if kind == "percolator" or (kind == "auto" and uses_percolator(es, names)):
        return PercolatorEngine(es, names)
    return BatchMatchEngine(es, names)


# ----------------------------------------------------------------------------- on ingest


@dataclass
class WatchHit:
    """A watch matched a unit: the finding to record and the watch's spec (owner, realert, alerters)."""

    finding: Finding
    spec: dict


def judge(matches: dict[str, list[str]], watches: dict[str, dict], docs: dict[str, dict], now) -> list[WatchHit]:
    """One finding per (watch, unit) an engine matched; pure. A watch not in `watches` (deleted
    since the match) fires nothing; a unit not in `docs` is named by its id alone."""
    hits = []
    for wname, unit_ids in matches.items():
        watch = watches.get(wname)
        if not watch:
            continue
        spec = watch.get("spec") or {}
        for uid in unit_ids:
            hits.append(WatchHit(watch_finding(wname, spec, docs.get(uid, {"unit_id": uid}), now), spec))
    return hits


def on_indexed(es: Elasticsearch, settings: Settings, docs: list[dict], *, engine: WatchEngine | None = None,
               notify: bool = True) -> list[dict]:
    """Match a just-indexed batch against every active watch (the engine is the fetch step);
    write/grow one alert per (watch, unit) and notify the watch's alerters. Returns the alerts touched."""
    from . import lifecycle
    from .alerters import dispatch

    names = settings.indices
    if not docs:
        return []
    engine = engine or engine_for(es, names)
    matches = engine.match(docs)
    if not matches:
        return []
    if engine.name != "batch":
        es.indices.refresh(index=names.feedback)  # impact/citations read the units back
    by_name = {w["name"]: w for w in active_watches(es, names)}
    for wname in matches:
        if wname not in by_name:  # added since the cache was filled
            found = get_watch(es, names, wname)
            if found:
                by_name[wname] = found
    touched = []
    now = utcnow()
    for hit in judge(matches, by_name, {d["unit_id"]: d for d in docs}, now):
        finding, spec = hit.finding, hit.spec
        sighting = lifecycle.record_sighting(
            es, names, finding, realert=parse_duration(spec.get("realert") or "7d"), now=now,
            owner=spec.get("owner"), top_n=1, settings=settings)
        alert = sighting.alert
        if sighting.outcome == lifecycle.NEW and notify and spec.get("alerts"):
            if lifecycle.silenced_until(es, names, alert["dedup_key"], finding.rule, now):
                alert["history"].append({"at": iso(now), "action": "suppressed", "actor": "watch"})
            else:
                dispatch(alert, sighting.evidence, spec["alerts"])
            lifecycle.save_deliveries(es, names, alert)
        touched.append(alert)
        # the outcome is lifecycle.evidence_grew's verdict: a re-matched unit already recorded is "unchanged"
        log.info("watch %s matched unit %s -> alert %s (%s)", finding.dimension["watch"], finding.dimension["unit"],
                 alert["alert_id"], sighting.outcome)
    return touched


def watch_finding(name: str, spec: dict, doc: dict, now) -> Finding:
    text = (doc.get("text") or "").replace("\n", " ")
    created = parse_time(doc["created_at"]) if doc.get("created_at") else now
    conditions = {k: spec[k] for k in TERM_FIELDS if spec.get(k)}
    return Finding(
        rule=f"watch:{name}", kind="watch", title=f"Watch '{name}': {text[:80]}",
        why=f"unit {doc.get('unit_id')} matched watch '{name}'" + (f" (keywords: {spec['query']})" if spec.get("query") else ""),
        dimension={"watch": name, "unit": doc.get("unit_id")}, filters=conditions,
        window_start=created, window_end=max(created, now) if created <= now else created,
        observed=1, expected=0, trajectory=1.0, unit_ids=[doc.get("unit_id")],
    )


def test_watch(es: Elasticsearch, names: IndexNames, name_or_spec: str | WatchSpec, unit: dict) -> bool:
    """Would this watch match this unit? Nothing is written to the feedback index: the unit
    goes into a throwaway index with the feedback mapping, and the watch's query runs there
    (the same query both engines run, so the answer holds for either)."""
    if isinstance(name_or_spec, WatchSpec):
        query = compile_query(name_or_spec.validate())
    else:
        watch = get_watch(es, names, name_or_spec)
        if not watch:
            raise ValueError(f"no watch named {name_or_spec!r}; see `voxindex watches list`")
        import json

        query = json.loads(watch["query_json"])
    unit = {"unit_id": "watch-test", "is_customer_signal": True, **copy.deepcopy(unit)}
    unit.pop("embedding", None)
    from voxindex.setup import load_spec

    temp = f"{names.prefix}-watchtest-{uuid.uuid4().hex[:8]}"
    spec = load_spec("feedback")
    es.indices.create(index=temp, settings=spec.body["settings"], mappings=spec.body["mappings"])
    try:
        es.index(index=temp, id="u", document=unit, refresh=True)
        return es.count(index=temp, query=query)["count"] > 0
    finally:
        es.options(ignore_status=404).indices.delete(index=temp)
