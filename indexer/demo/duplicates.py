"""Exact and near duplicates: the same review posted twice, a ticket re-sent, a chat double-submitted,
a forum question cross-posted with small edits. Also groups texts that collide by accident."""
from __future__ import annotations

import copy
import random
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .accounts import ts
from .records import Part, Rec
from .text import Message

DUP_SOURCES = ("zendesk", "appstore", "jsonl", "csv")
DUP_RATE = {"zendesk": 0.02, "appstore": 0.035, "jsonl": 0.03, "csv": 0.03}
_SWAPS = [("really", "very"), ("very", "really"), ("can't", "cannot"), ("doesn't", "does not"), ("Please", "Pls"),
          ("please", "pls"), ("thanks", "thx"), (" and ", " & "), ("I'm", "Im"), ("isn't", "is not")]


@dataclass
class DupGroup:
    id: str
    kind: str
    members: list[tuple[Rec, Part]] = field(default_factory=list)


def near_edit(rng: random.Random, text: str) -> str:
    """A small edit a person makes when re-posting: a typo, punctuation, a contraction, a prefix."""
    for _ in range(6):
        op = rng.randrange(5)
        out = text
        if op == 0:
            words = text.split(" ")
            idx = [i for i, w in enumerate(words) if re.fullmatch(r"[A-Za-z]{5,}", w)]
            if idx:
                i = rng.choice(idx)
                w = words[i]
                j = rng.randint(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
                out = " ".join(words)
        elif op == 1:
            out = text.rstrip(".!") + rng.choice(["!!", "!", "...", " ?"]) if text[-1:] in ".!" else text + "."
        elif op == 2:
            for a, b in rng.sample(_SWAPS, len(_SWAPS)):
                if a in text:
                    out = text.replace(a, b, 1)
                    break
        elif op == 3:
            out = rng.choice(["Reposting: ", "Again: ", "Posting again - ", "(resending) "]) + text
        else:
            out = text[:1].lower() + text[1:] if text[:1].isupper() else text[:1].upper() + text[1:]
        if out != text:
            return out
    return text + " !"


def _dup_msg(msg: Message, text: str) -> Message:
    seg = replace(msg.segments[0], text=text)
    return Message([seg], [])


def make_duplicate(rng: random.Random, rec: Rec, part: Part, text: str, when: datetime, end: datetime) -> Rec:
    msg = _dup_msg(part.msg, text)
    payload = copy.deepcopy(rec.payload)
    if rec.source == "appstore":
        payload.update(body=text, created_at=ts(when), updated_at=ts(when))
    elif rec.source == "csv":
        payload.update(message=text, created_at=ts(when))
    elif rec.source == "jsonl":
        payload.update(body=text, created_at=ts(when), updated_at=ts(when))
        if text != part.text and rng.random() < 0.5:
            payload["title"] = payload["title"] + " (again)"
    else:  # a re-sent ticket: the new copy gets closed by automation as a duplicate
        first = dict(payload["comments"][0], body=text, created_at=ts(when))
        comments = [first]
        closed_at = when + timedelta(minutes=rng.randint(5, 120))
        if closed_at <= end:
            comments.append({"id": 2, "author_id": -1, "body": "Ticket merged by automation", "public": False,
                             "created_at": ts(closed_at), "via": "system"})
        payload.update(created_at=ts(when), updated_at=comments[-1]["created_at"], comments=comments,
                       status="closed" if len(comments) > 1 else "new",
                       users=[u for u in payload["users"] if u["id"] == payload["requester_id"]])
        parts = [Part("c1", "customer", text, msg, part.cluster)]
        if len(comments) > 1:
            parts.append(Part("c2", "system", comments[1]["body"]))
        return Rec(rec.source, when, payload, parts, incident=rec.incident, dup_member=True)
    return Rec(rec.source, when, payload, [Part("body", "customer", text, msg, part.cluster)],
               incident=rec.incident, dup_member=True)


def plant_duplicates(rng: random.Random, by_source: dict[str, list[Rec]], end: datetime) -> list[DupGroup]:
    groups: list[DupGroup] = []
    for source in DUP_SOURCES:
        recs = by_source.get(source, [])
        extra: list[Rec] = []
        for rec in recs:
            part = next((p for p in rec.parts if p.role == "customer"), None)
            if part is None or part.msg is None or len(part.msg.segments) != 1 or part.msg.pii \
                    or rng.random() >= DUP_RATE[source]:
                continue
            kind = "exact" if rng.random() < (0.6 if source in ("appstore", "csv") else 0.45) else "near"
            gap = timedelta(seconds=rng.randint(5, 300)) if source == "csv" and kind == "exact" else \
                timedelta(minutes=rng.randint(10, 60 * 48))
            when = rec.created + gap
            if when > end:
                continue
            text = part.text if kind == "exact" else near_edit(rng, part.text)
            dup = make_duplicate(rng, rec, part, text, when, end)
            rec.dup_member = True
            group = DupGroup(f"d_{len(groups) + 1:04d}", kind, [(rec, part), (dup, dup.parts[0])])
            groups.append(group)
            extra.append(dup)
        recs.extend(extra)
    return groups


def group_accidental(recs: list[Rec], groups: list[DupGroup]) -> None:
    """Different customers sometimes write the very same words ("Awesome app!!"); a content-hash
    dedup groups them, so the ground truth does too (kind exact)."""
    by_text: dict[str, list[tuple[Rec, Part]]] = {}
    for rec in recs:
        if rec.malformed:
            continue
        for p in rec.parts:
            if p.role == "customer":
                by_text.setdefault(p.text, []).append((rec, p))
    index = {id(p): g for g in groups for _, p in g.members}
    for members in by_text.values():
        if len(members) < 2:
            continue
        existing = [index[id(p)] for _, p in members if id(p) in index]
        group = existing[0] if existing else DupGroup(f"d_{len(groups) + 1:04d}", "exact")
        if not existing:
            groups.append(group)
        for rec, p in members:
            if id(p) not in index:
                group.members.append((rec, p))
                index[id(p)] = group


def finalize(groups: list[DupGroup]) -> list[DupGroup]:
    """Drop malformed members (they never become units) and groups left with one member; tag parts."""
    kept = []
    for g in groups:
        g.members = [(r, p) for r, p in g.members if not r.malformed]
        if len(g.members) < 2:
            continue
        kept.append(g)
        for _, p in g.members:
            p.dup_group = g.id
    return kept
