"""Identity eval: pairwise precision/recall/F1 of resolved persons vs ground_truth/identities.jsonl.

The resolver runs in memory as ingest runs it: account domains from accounts.jsonl, CRM
contacts from people.csv, then every customer part's (email, name, account) from the sources
in time order. Items are the emails and contact ids of the true clusters; a pair is positive
when both belong to the same human. Shared inboxes are their own singletons: any merge of one
is a false positive and is also counted separately. A threshold sweep shows where to set it.
"""
from __future__ import annotations

from pathlib import Path

from .data import gt_dir, parsed_records, read_jsonl
from .metrics import pairwise, table

SWEEP = (0.75, 0.80, 0.85, 0.90)


def _observations(root: Path) -> list[tuple]:
    obs = []
    for _, item in parsed_records(root):
        for u in item.units:
            obs.append((u.created_at, u.source, u.author_email, u.author_name, u.account_id))
    obs.sort(key=lambda o: (o[0], o[1], o[2] or ""))
    return obs


def resolve_all(root: Path, threshold: float):
    from indexer.enrich.account_context import read_accounts_file
    from indexer.identity.contacts import read_contacts, resolve_contacts
    from indexer.identity.resolver import Resolver
    from indexer.identity.stage import UNRESOLVED_SOURCES

    domains = {}
    if (root / "accounts.jsonl").exists():
        for line_account in _accounts(root, read_accounts_file):
            for d in line_account.domains:
                domains[d.lower()] = line_account.account_id
    resolver = Resolver(domains, threshold=threshold)
    if (root / "people.csv").exists():
        resolve_contacts(resolver, read_contacts(root / "people.csv"))
    for at, source, email, name, account in _observations(root):
        if source not in UNRESOLVED_SOURCES and email:
            resolver.resolve(email, name, account_id=account, at=at)
    return resolver


def _accounts(root: Path, reader):
    try:
        return reader(root / "accounts.jsonl")
    except Exception:  # a deliberately malformed line: read the good ones
        import json

        from voxindex.model import Account

        out = []
        for line in (root / "accounts.jsonl").read_text(encoding="utf-8").splitlines():
            try:
                out.append(Account.from_doc(json.loads(line)))
            except Exception:
                continue
        return out


def score(resolver, clusters: list[dict]) -> dict:
    from indexer.identity.normalize import normalize_email

    gold, item_pid = [], {}
    shared_items = []
    for c in clusters:
        if c.get("shared_inbox"):
            item = "email:" + c["shared_inbox"].lower()
            group = [item]
            if c.get("contact_id"):
                citem = "contact:" + str(c["contact_id"])
                group.append(citem)
                item_pid[citem] = resolver.by_contact.get(str(c["contact_id"]))
            gold.append(group)
            shared_items.append((item, c["shared_inbox"]))
            e = normalize_email(c["shared_inbox"])
            item_pid[item] = resolver.by_email.get(e) if e else None
            continue
        members = []
        for e in c.get("emails") or []:
            item = "email:" + e.lower()
            members.append(item)
            ne = normalize_email(e)
            item_pid[item] = resolver.by_email.get(ne) if ne else None
        for cid in c.get("contact_ids") or []:
            item = "contact:" + str(cid)
            members.append(item)
            item_pid[item] = resolver.by_contact.get(str(cid))
        gold.append(members)
    pred_groups: dict = {}
    for item, pid in item_pid.items():
        pred_groups.setdefault(pid or ("unresolved", item), []).append(item)
    m = pairwise(gold, list(pred_groups.values()))
    merged_shared = flagged = 0
    for item, _raw in shared_items:
        pid = item_pid[item]
        person = resolver.persons.get(pid) if pid else None
        if person is not None and person.is_shared_inbox:
            flagged += 1
        if person is not None and len(person.emails) > 1:
            merged_shared += 1
    m.update({
        "items": len(item_pid),
        "humans": sum(1 for c in clusters if not c.get("shared_inbox")),
        "persons": len({p for p in item_pid.values() if p}),
        "shared_inboxes": len(shared_items),
        "shared_flagged": flagged,
        "shared_merged_with_others": merged_shared,
        "unresolved_items": sum(1 for p in item_pid.values() if not p),
    })
    return m


def run(data_dir, limit: int | None = None, thresholds=SWEEP) -> dict:
    from indexer.identity.resolver import DEFAULT_THRESHOLD

    gt = gt_dir(data_dir)
    root = gt.parent if gt.name == "ground_truth" else gt
    clusters = read_jsonl(gt / "identities.jsonl")
    if limit:
        clusters = clusters[:limit]
    sweep = {}
    for t in sorted(set(thresholds) | {DEFAULT_THRESHOLD}):
        resolver = resolve_all(root, t)
        sweep[f"{t:.2f}"] = score(resolver, clusters)
    best = max(sweep, key=lambda k: (sweep[k]["f1"], -abs(float(k) - DEFAULT_THRESHOLD)))
    out = dict(sweep[f"{DEFAULT_THRESHOLD:.2f}"])
    out.update({"threshold": DEFAULT_THRESHOLD, "best_threshold": float(best), "sweep": sweep})
    return out


def format(m: dict) -> str:
    rows = [[f"{t}{' *' if float(t) == m['threshold'] else ''}", v["precision"], v["recall"], v["f1"], v["persons"],
             v["shared_flagged"], v["shared_merged_with_others"]] for t, v in m["sweep"].items()]
    head = (f"identity: {m['items']} items, {m['humans']} humans, {m['shared_inboxes']} shared inboxes "
            f"(* = threshold in use {m['threshold']}, best F1 at {m['best_threshold']})")
    return head + "\n" + table(rows, ["threshold", "P", "R", "F1", "persons", "shared flagged", "shared merged"])
