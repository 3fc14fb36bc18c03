"""Elasticsearch edges of identity: load the resolver, write persons and decisions, undo."""
from __future__ import annotations

from elasticsearch import Elasticsearch, helpers

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.model import Person, stable_id, utcnow

from .normalize import key_hash, normalize_email
from .resolver import DEFAULT_THRESHOLD, Decision, Resolver


def _scan(es: Elasticsearch, index: str, query: dict | None = None, source=True):
    try:
        yield from helpers.scan(es, index=index, query={"query": query or {"match_all": {}}}, _source=source)
    except Exception as exc:  # index not set up yet: nothing to load
        if "index_not_found" in str(exc) or "no such index" in str(exc):
            return
        raise


def load_domain_accounts(es: Elasticsearch, settings) -> dict[str, str]:
    out: dict[str, str] = {}
    for hit in _scan(es, settings.indices.accounts, source=["account_id", "domains"]):
        src = hit["_source"]
        for d in src.get("domains") or []:
            out[d.lower()] = src["account_id"]
    return out


def load_resolver(es: Elasticsearch, settings, threshold: float = DEFAULT_THRESHOLD) -> Resolver:
    """Everything the resolver needs, read once: persons, domain->account, undone merges, erasures."""
    blocked = set()
    for hit in _scan(es, settings.indices.identities, {"bool": {"filter": [{"term": {"action": "merge"}}, {"term": {"undone": True}}]}}):
        src = hit["_source"]
        blocked.add((src.get("person_id"), src.get("other_person_id")))
    erased = set()
    for hit in _scan(es, settings.indices.audit, {"term": {"action": "erase"}}, source=["params"]):
        for k in (hit["_source"].get("params") or {}).get("email_hashes", "").split(","):
            if k:
                erased.add(k)
    resolver = Resolver(load_domain_accounts(es, settings), threshold=threshold, blocked=blocked, erased=erased)
    for hit in _scan(es, settings.indices.people):
        resolver.add(Person.from_doc(hit["_source"]))
    return resolver


def change_actions(settings, resolver: Resolver) -> tuple[list[dict], dict[str, int]]:
    """The resolver's new and changed persons, its decisions and its deletions as bulk actions
    (taken: the resolver forgets them), with their counts."""
    persons, decisions, deleted = resolver.take_changes()
    actions = [
        {"_op_type": "index", "_index": settings.indices.write_alias("people"), "_id": p.person_id, "_source": p.to_doc()}
        for p in persons
    ]
    actions += [
        {"_op_type": "index", "_index": settings.indices.write_alias("identities"), "_id": d.decision_id, "_source": d.to_doc()}
        for d in decisions
    ]
    actions += [
        {"_op_type": "delete", "_index": settings.indices.write_alias("people"), "_id": pid} for pid in deleted
    ]
    return actions, {"persons": len(persons), "decisions": len(decisions), "deleted": len(deleted)}


def flush(es: Elasticsearch, settings, resolver: Resolver, refresh: bool | str = False) -> dict:
    """Write the resolver's changes now (loading contacts; ingest writes them through its runner)."""
    actions, counts = change_actions(settings, resolver)
    if actions:
        bulk_write(es, actions, RetryPolicy.from_settings(settings), "writing persons and identity decisions",
                   refresh=refresh).raise_for_failures("writing persons and identity decisions")
    return counts


def get_person(es: Elasticsearch, settings, person_id: str) -> Person | None:
    res = es.options(ignore_status=404).get(index=settings.indices.people, id=person_id)
    return Person.from_doc(res["_source"]) if res.get("found") else None


def find_person_by_email(es: Elasticsearch, settings, email: str) -> Person | None:
    """The person holding this address, in any spelling (case, +tag, gmail dots)."""
    email = normalize_email(email) or email
    res = es.search(index=settings.indices.people, query={"term": {"emails": email}}, size=1)
    hits = res["hits"]["hits"]
    return Person.from_doc(hits[0]["_source"]) if hits else None


def get_decision(es: Elasticsearch, settings, decision_id: str) -> dict | None:
    res = es.search(index=settings.indices.identities, query={"term": {"decision_id": decision_id}}, size=1)
    hits = res["hits"]["hits"]
    return hits[0] if hits else None


def list_decisions(es: Elasticsearch, settings, action: str | None = None, person_id: str | None = None, size: int = 50) -> list[dict]:
    filters = []
    if action:
        filters.append({"term": {"action": action}})
    if person_id:
        filters.append({"bool": {"should": [{"term": {"person_id": person_id}}, {"term": {"other_person_id": person_id}}]}})
    res = es.search(
        index=settings.indices.identities,
        query={"bool": {"filter": filters}} if filters else {"match_all": {}},
        sort=[{"at": "desc"}],
        size=size,
    )
    return [h["_source"] for h in res["hits"]["hits"]]


class UndoError(ValueError):
    pass


def _move_keys(src: Person, dst: Person, keys: set[str]) -> None:
    """Move the emails, contact ids and names named (by hash) in `keys` from src to dst."""
    for e in [e for e in src.emails if key_hash("email", e) in keys]:
        src.emails.remove(e)
        if e not in dst.emails:
            dst.emails.append(e)
    for c in [c for c in src.contact_ids if "contact:" + c in keys]:
        src.contact_ids.remove(c)
        if c not in dst.contact_ids:
            dst.contact_ids.append(c)
    for n in [n for n in src.names if key_hash("name", n) in keys]:
        src.names.remove(n)
        if n not in dst.names:
            dst.names.append(n)


def undo(es: Elasticsearch, settings, decision_id: str, actor: str = "cli") -> Decision:
    """Reverse a merge (the merged keys become their own person again, and the pair is never
    re-merged automatically) or a split (the split keys return to the original person).

    Feedback units keep their person_id until they are next enriched: units do not store the
    clear address, so which of a person's units came from the undone address is not known here.
    """
    hit = get_decision(es, settings, decision_id)
    if hit is None:
        raise UndoError(f"no identity decision {decision_id!r}; list them with `voxindex identity merges`")
    d = hit["_source"]
    if d.get("undone"):
        raise UndoError(f"decision {decision_id} was already undone by {d.get('undone_by')}")
    if d["action"] not in ("merge", "split"):
        raise UndoError(f"decision {decision_id} is an {d['action']!r}; only merges and splits can be undone")
    now = utcnow()
    keys = set(d.get("keys") or [])
    main = get_person(es, settings, d["person_id"])
    if main is None:
        raise UndoError(f"person {d['person_id']} no longer exists (erased?)")
    people_write = settings.indices.write_alias("people")
    actions = []
    if d["action"] == "merge":
        other = Person(person_id=d["other_person_id"], created_at=now)
        _move_keys(main, other, keys)
        other.account_id = main.account_id
        other.updated_at = main.updated_at = now
        actions += [{"_index": people_write, "_id": p.person_id, "_source": p.to_doc()} for p in (main, other)]
    elif d.get("other_person_id"):  # split out of a merged person: move the keys back
        other = get_person(es, settings, d["other_person_id"])
        if other is not None:
            _move_keys(other, main, keys)
            actions.append({"_op_type": "delete", "_index": people_write, "_id": other.person_id})
        main.updated_at = now
        actions.append({"_index": people_write, "_id": main.person_id, "_source": main.to_doc()})
    else:  # a flag-only split: clear the shared-inbox flag
        main.is_shared_inbox = False
        main.updated_at = now
        actions.append({"_index": people_write, "_id": main.person_id, "_source": main.to_doc()})
    undo_decision = Decision(
        decision_id=stable_id("undo", decision_id),
        action="undo",
        person_id=d["person_id"],
        other_person_id=d.get("other_person_id"),
        keys=sorted(keys),
        rule="manual",
        reason=f"undo of {d['action']} {decision_id} by {actor}",
        score=None,
        at=now,
    )
    ids_write = settings.indices.write_alias("identities")
    actions.append({"_index": ids_write, "_id": undo_decision.decision_id, "_source": undo_decision.to_doc()})
    actions.append(
        {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {"undone": True, "undone_by": undo_decision.decision_id}}
    )
    bulk_write(es, actions, RetryPolicy.from_settings(settings), f"undoing {decision_id}",
               refresh="wait_for").raise_for_failures(f"undoing {decision_id}")
    return undo_decision
