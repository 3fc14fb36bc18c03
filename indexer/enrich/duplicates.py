"""Duplicates: the same feedback said twice (a re-sent ticket, a review posted on two stores).

- exact: the normalized text (case, punctuation and whitespace folded) hashes to `content_hash`;
- near: embedding cosine >= NEAR_COSINE, or >= FUZZY_COSINE with a high fuzzy token overlap,
  between units created within WINDOW of each other.
Matches are found within the batch and against already indexed units (a `terms` query on
content_hash and a kNN query per unit, batched in one _msearch). A group's id is deterministic
(`stable_id("dup", <earliest member's unit_id>)`, or the id an indexed member already carries);
every member but the earliest gets `is_duplicate: true`, so counts can skip repeats. When a new
unit turns out to be earlier than an indexed one (a backfill), the indexed one is updated.

Who said it matters. A repeat is the same speaker (the same resolved person; for anonymous
sources such as app reviews, the same source) saying the same thing again: only that makes
`is_duplicate` true, because two customers who both write "Sync is broken" are two signals a
spike detector must count. Exact copies from different people still share a `duplicate_group`
(search can fold them), and near-duplicates are only looked for within one resolved person:
similar complaints from different customers are the trend, not noise. An anonymous source
is many people under one name, so there a near-duplicate must be a re-post: near-identical
text (cosine >= 0.98, or a character-level ratio >= 90) within a week. Measured on the demo before this
rule: 21,478 of 32,093 units were flagged duplicates (ground truth: 1,333), which hid the
slow-burn incident from the trend detector.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from elasticsearch import ApiError, TransportError

from indexer.pipeline import Batch, FunctionStage, Write
from voxindex.model import FeedbackUnit, parse_time, rounded_vector, stable_id

from . import is_signal

log = logging.getLogger(__name__)

NEAR_COSINE = 0.95
FUZZY_COSINE = 0.85
FUZZY_RATIO = 80.0
WINDOW = timedelta(days=30)
KNN_K = 5
ANON_COSINE = 0.98
ANON_RATIO = 90.0
ANON_WINDOW = timedelta(days=7)


def normalize_text(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"[^\w\s]", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def content_hash(text: str) -> str:
    return hashlib.sha1(normalize_text(text).encode("utf-8")).hexdigest()[:24]


@dataclass
class Item:
    """What duplicate detection needs from a unit (indexed or new)."""

    key: str  # unit_id
    part_key: tuple  # (source, record_id, part): segments of one message never dup each other
    text: str
    created_at: datetime | None
    vector: np.ndarray | None
    group: str | None = None  # existing duplicate_group (indexed units)
    is_duplicate: bool = False
    index: str | None = None  # physical index of an indexed unit; None for new units
    speaker: tuple | None = None  # ("person", id) or ("anon", source); see speaker_of()


def speaker_of(person_id: str | None, source: str | None) -> tuple:
    return ("person", person_id) if person_id else ("anon", source)


def _close_in_time(a: Item, b: Item) -> bool:
    if a.created_at is None or b.created_at is None:
        return True
    return abs(a.created_at - b.created_at) <= WINDOW


def is_near(a: Item, b: Item, cosine: float) -> bool:
    if cosine >= NEAR_COSINE:
        return True
    if cosine >= FUZZY_COSINE:
        from rapidfuzz import fuzz

        return fuzz.token_set_ratio(normalize_text(a.text), normalize_text(b.text)) >= FUZZY_RATIO
    return False


def _anon_repost(a: Item, b: Item, cosine: float) -> bool:
    """Near-identical text within days: the same review pasted on two stores, with a typo fixed."""
    if a.created_at is not None and b.created_at is not None and abs(a.created_at - b.created_at) > ANON_WINDOW:
        return False
    if cosine >= ANON_COSINE:
        return True
    from rapidfuzz import fuzz

    return cosine >= FUZZY_COSINE and fuzz.ratio(normalize_text(a.text), normalize_text(b.text)) >= ANON_RATIO


class _Union:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_groups(items: list[Item]) -> list[list[int]]:
    """Pure: indices of items grouped as duplicates (groups of 2+), exact and near."""
    n = len(items)
    uf = _Union(n)
    hashes: dict[str, int] = {}
    for i, it in enumerate(items):
        h = content_hash(it.text)
        if h in hashes and items[hashes[h]].part_key != it.part_key and _close_in_time(items[hashes[h]], it):
            uf.join(hashes[h], i)
        hashes.setdefault(h, i)
    with_vec = [i for i, it in enumerate(items) if it.vector is not None]
    if len(with_vec) > 1:
        m = np.stack([items[i].vector for i in with_vec]).astype(np.float32)
        for row in range(0, len(with_vec), 512):  # blockwise so memory stays flat on big batches
            sims = m[row : row + 512] @ m.T
            for a_local, b_local in zip(*np.nonzero(sims >= FUZZY_COSINE)):
                a, b = with_vec[row + a_local], with_vec[b_local]
                if a >= b or items[a].part_key == items[b].part_key:
                    continue
                if items[a].speaker != items[b].speaker:
                    continue  # similar words from two customers are two signals
                if items[a].speaker[0] != "person" and not _anon_repost(items[a], items[b], float(sims[a_local, b_local])):
                    continue  # an anonymous source is many people under one name: only a re-post counts
                if _close_in_time(items[a], items[b]) and is_near(items[a], items[b], float(sims[a_local, b_local])):
                    uf.join(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def _order(it: Item):
    return (it.created_at or datetime.max.replace(tzinfo=None)).isoformat() if it.created_at else "~", it.key


def assign(items: list[Item], groups: list[list[int]]) -> dict[int, tuple[str, bool]]:
    """Pure: item index -> (duplicate_group, is_duplicate) for every grouped item."""
    out: dict[int, tuple[str, bool]] = {}
    for g in groups:
        members = sorted(g, key=lambda i: _order(items[i]))
        earliest = items[members[0]]
        existing = sorted({items[i].group for i in g if items[i].group})
        gid = existing[0] if existing else stable_id("dup", earliest.key)
        seen: set = set()
        for i in members:
            # a repeat only when this speaker already said it earlier in the group
            out[i] = (gid, items[i].speaker in seen)
            seen.add(items[i].speaker)
    return out


def near_filter(person_id: str | None, source: str | None, created_at: datetime) -> list[dict]:
    """Pure: the indexed units a unit could be a near-duplicate of. `find_groups` joins near texts
    of one speaker only (a person; an anonymous source), within WINDOW (ANON_WINDOW for an
    anonymous source), so the kNN looks only there: its k nearest are then the ones that can
    count, not five other customers' similar complaints, and the search stays small (a filter
    this narrow is searched exactly). An anonymous unit's filter keeps its source's named people
    too: `speaker_of` reads an empty person id as anonymous, which an `exists` test would not."""
    window = WINDOW if person_id else ANON_WINDOW
    lo, hi = (created_at - window).isoformat(), (created_at + window).isoformat()
    who = {"term": {"person_id": person_id}} if person_id else {"term": {"source": source}}
    return [{"term": {"is_customer_signal": True}}, who, {"range": {"created_at": {"gte": lo, "lte": hi}}}]


def hash_filter(units: list[FeedbackUnit]) -> list[dict]:
    """Pure: the indexed units an exact copy in `units` could join. `find_groups` joins equal hashes
    within WINDOW only, so older copies (a common "Thanks!" said all year) are not fetched."""
    hashes = sorted({u.content_hash for u in units if u.content_hash})
    times = [u.created_at for u in units if u.created_at is not None]
    out: list[dict] = [{"terms": {"content_hash": hashes}}]
    if times:
        out.append({"range": {"created_at": {"gte": (min(times) - WINDOW).isoformat(),
                                             "lte": (max(times) + WINDOW).isoformat()}}})
    return out


def _indexed_candidates(es, alias: str, units: list[FeedbackUnit], near: bool) -> list[Item]:
    """Indexed units sharing a content_hash with, or kNN-near to, a unit of the batch.

    Only kNN hits carry their vector: an exact copy is joined by its hash, and a copy that is also
    near a unit of its own speaker in the batch comes back, vector and all, from that unit's kNN. Vectors are most of a
    unit's _source (measured on the demo: 805 copies of 200 hashes took 340 ms with them, 89 ms
    without)."""
    found: dict[str, Item] = {}
    src = ["unit_id", "text", "created_at", "duplicate_group", "is_duplicate",
           "source", "source_record_id", "provenance.record_part", "person_id"]

    def keep(hit):
        s = hit["_source"]
        vec = s.get("embedding")
        if s["unit_id"] in found:
            if vec and found[s["unit_id"]].vector is None:
                found[s["unit_id"]].vector = np.asarray(vec, dtype=np.float32)
            return
        found[s["unit_id"]] = Item(
            key=s["unit_id"], part_key=(s.get("source"), s.get("source_record_id"), (s.get("provenance") or {}).get("record_part")),
            text=s.get("text") or "", created_at=parse_time(s["created_at"]) if s.get("created_at") else None,
            vector=np.asarray(vec, dtype=np.float32) if vec else None, group=s.get("duplicate_group"),
            is_duplicate=bool(s.get("is_duplicate")), index=hit["_index"],
            speaker=speaker_of(s.get("person_id"), s.get("source")),
        )

    with_hash = [u for u in units if u.content_hash]
    for i in range(0, len(with_hash), 1000):
        resp = es.search(index=alias, size=10000, _source=src,
                         query={"bool": {"filter": hash_filter(with_hash[i : i + 1000])}})
        for hit in resp["hits"]["hits"]:
            keep(hit)
    if near:
        body: list[dict] = []
        for u in units:
            if u.embedding is None:
                continue
            body += [{"index": alias}, {
                "size": KNN_K, "_source": [*src, "embedding"],
                "knn": {"field": "embedding", "query_vector": rounded_vector(u.embedding), "k": KNN_K,
                        "num_candidates": 50, "similarity": FUZZY_COSINE,
                        "filter": near_filter(u.person_id, u.source, u.created_at)},
            }]
        for i in range(0, len(body), 200):
            resp = es.msearch(searches=body[i : i + 200])
            for r in resp["responses"]:
                for hit in r.get("hits", {}).get("hits", []):
                    keep(hit)
    return list(found.values())


def dedupe(units: list[FeedbackUnit], es=None, alias: str | None = None, near_index: bool = True) -> list[dict]:
    """Set content_hash, duplicate_group and is_duplicate on `units` in place. Returns partial
    updates ({"_index", "_id", "doc"}) for already indexed units whose status changed."""
    signal = [u for u in units if is_signal(u)]
    for u in units:
        u.content_hash = content_hash(u.text)
    if not signal:
        return []
    items = [
        Item(key=u.unit_id, part_key=(u.source, u.source_record_id, u.provenance.record_part), text=u.text,
             created_at=u.created_at, vector=np.asarray(u.embedding, dtype=np.float32) if u.embedding is not None else None,
             speaker=speaker_of(u.person_id, u.source))
        for u in signal
    ]
    batch_ids = {it.key for it in items}
    if es is not None and alias:
        try:
            if es.indices.exists_alias(name=alias):
                items += [it for it in _indexed_candidates(es, alias, signal, near_index) if it.key not in batch_ids]
        except (ApiError, TransportError) as exc:
            # The index only adds candidates: the batch is still grouped within itself, and the
            # run says that links to earlier units may be missing instead of failing the ingest.
            log.warning("duplicates: indexed units not searched (%s); this batch is grouped within itself only",
                        exc.__class__.__name__)
    groups = find_groups(items)
    labels = assign(items, groups)
    updates = []
    for i, (gid, dup) in labels.items():
        it = items[i]
        if i < len(signal):
            signal[i].duplicate_group, signal[i].is_duplicate = gid, dup
        elif it.group != gid or it.is_duplicate != dup:
            updates.append({"_index": it.index, "_id": it.key, "doc": {"duplicate_group": gid, "is_duplicate": dup}})
    return updates


def duplicates_stage(settings=None, es=None, near_index: bool = True):
    """Stage: content hashes and duplicate groups. With `es`, also matches already indexed units
    (reads the feedback alias) and returns, on the batch, the update of each indexed unit that a
    backfill makes a duplicate, for the ingest runner to write."""
    alias = settings.indices.feedback if (settings is not None and es is not None) else None

    def run(units: list[FeedbackUnit]) -> Batch:
        updates = dedupe(units, es, alias, near_index)
        return Batch(units, [Write("duplicates", {"_op_type": "update", **u}) for u in updates])

    # with an index to compare against, the batch before must be visible (Pipeline.split)
    return FunctionStage("duplicates", run, needs_previous_batch=alias is not None)
