"""`voxindex taxonomy apply`: re-label history with a (new) taxonomy, without downtime.

No _reindex here (the module may be absent): history is read through the read alias with a
point-in-time + search_after, re-labelled in Python (taxonomy, then sentiment/intent/severity,
which use the taxonomy as a prior; stored embeddings are reused), and bulk-written into a fresh
`<prefix>-feedback-v<N+1>` created from the index template. Then both aliases move in ONE
update_aliases call, so readers see either the old index or the complete new one, never a gap.
Units written to the old index while the copy ran are copied again after the swap.
"""
from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.model import FeedbackUnit

PAGE = 500


@dataclass
class ApplyResult:
    old_index: str
    new_index: str
    taxonomy_version: str
    copied: int
    relabelled: int
    caught_up: int
    seconds: float


def next_index_name(es, alias: str, current: str) -> str:
    m = re.search(r"-v(\d+)$", current)
    n = int(m.group(1)) + 1 if m else 2
    while es.indices.exists(index=f"{alias}-v{n}"):
        n += 1
    return f"{alias}-v{n}"


def relabel(units: list[FeedbackUnit], classifier, intent_model) -> int:
    """Pure over the units: new taxonomy and sentiment/intent/severity for customer units."""
    from indexer.enrich import is_signal

    todo = [u for u in units if is_signal(u)]
    if not todo:
        return 0
    missing = [u for u in todo if u.embedding is None]
    if missing:
        for u, v in zip(missing, classifier.embed([u.text for u in missing])):
            u.embedding = [float(x) for x in v]
    vecs = np.asarray([u.embedding for u in todo], dtype=np.float32)
    preds = classifier.predict([u.text for u in todo], vecs)
    sims = intent_model.similarities(vecs)
    for u, p, sim in zip(todo, preds, sims):
        u.taxonomy = classifier.labels(p)
        # sentiment is the model's and does not depend on the taxonomy: keep it; intent and severity
        # follow the new labels' priors
        u.sentiment, u.intent, u.severity = intent_model.classify(u.text, sim, p.primary_theme, p.primary_sub_theme,
                                                                  sentiment=u.sentiment)
    return len(todo)


def _pages(es, index: str, query: dict | None = None):
    pit = es.open_point_in_time(index=index, keep_alive="2m")["id"]
    after = None
    try:
        while True:
            kwargs = {"search_after": after} if after else {}
            resp = es.search(pit={"id": pit, "keep_alive": "2m"}, size=PAGE, sort=["_shard_doc"],
                             query=query or {"match_all": {}}, **kwargs)
            hits = resp["hits"]["hits"]
            if not hits:
                return
            pit = resp.get("pit_id", pit)
            yield hits
            after = hits[-1]["sort"]
    finally:
        try:
            es.close_point_in_time(id=pit)
        except Exception:
            pass


def _copy(es, hits, target: str, classifier, intent_model) -> tuple[int, int]:
    units = [FeedbackUnit.from_doc(h["_source"]) for h in hits]
    n = relabel(units, classifier, intent_model)
    actions = [{"_index": target, "_id": h["_id"], "_source": u.to_doc()} for h, u in zip(hits, units)]
    result = bulk_write(es, actions, RetryPolicy(chunk_size=PAGE), f"copying into {target}")
    result.raise_for_failures(f"copying into {target}")
    return len(result.ok), n


def apply_taxonomy(settings, es, taxonomy_path=None, delete_old: bool = False, progress: bool = True) -> ApplyResult:
    from indexer.enrich.embed import get_embedder
    from indexer.enrich.sentiment import IntentModel
    from indexer.enrich.taxonomy import get_classifier
    from voxindex.setup import ensure_index, load_spec, template_refresh_interval

    started = time.perf_counter()
    names = settings.indices
    alias, write_alias = names.feedback, names.feedback_write
    if not es.indices.exists_alias(name=alias):
        raise RuntimeError(f"no feedback alias {alias}; run `voxindex setup` and ingest first")
    behind = sorted(es.indices.get_alias(name=alias))
    if len(behind) != 1:
        raise RuntimeError(f"{alias} points at {behind}; expected exactly one index")
    old = behind[0]
    embedder = get_embedder(settings)
    classifier = get_classifier(taxonomy_path, embedder=embedder, settings=settings)  # + learned head
    taxonomy = classifier.taxonomy
    intent_model = IntentModel(embedder, taxonomy.intent_priors, taxonomy.severity_floors)

    ensure_index(es, names, load_spec("feedback"))  # the template is current before we create from it
    new = next_index_name(es, alias, old)
    es.indices.create(index=new, settings={"index": {"refresh_interval": "-1"}})
    copy_started = datetime.now(timezone.utc)
    total = es.count(index=old)["count"]
    bar = _bar(total, progress, f"re-labelling into {new}")
    copied = relabelled = 0
    for hits in _pages(es, old):
        ok, n = _copy(es, hits, new, classifier, intent_model)
        copied += ok
        relabelled += n
        bar.update(len(hits))
    bar.close()
    es.indices.put_settings(index=new, settings={"index": {"refresh_interval": template_refresh_interval()}})
    es.indices.refresh(index=new)
    # the one atomic switch: both aliases move together
    es.indices.update_aliases(actions=[
        {"remove": {"index": old, "alias": alias}},
        {"remove": {"index": old, "alias": write_alias}},
        {"add": {"index": new, "alias": alias}},
        {"add": {"index": new, "alias": write_alias, "is_write_index": True}},
    ])
    # writes that reached the old index during the copy (the write alias pointed there)
    caught = 0
    es.indices.refresh(index=old)
    late = {"range": {"ingested_at": {"gte": copy_started.isoformat()}}}
    for hits in _pages(es, old, late):
        ok, _ = _copy(es, hits, new, classifier, intent_model)
        caught += ok
    if caught:
        es.indices.refresh(index=new)
    if delete_old:
        es.indices.delete(index=old)
    return ApplyResult(old, new, taxonomy.version, copied, relabelled, caught, round(time.perf_counter() - started, 2))


def _bar(total: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="unit", file=sys.stderr, disable=not enabled)
