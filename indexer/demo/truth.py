"""Ground-truth rows: units, PII, identities and duplicates, derived from the generated records."""
from __future__ import annotations

from typing import Iterator

from .duplicates import DupGroup
from .people import Population
from .records import Rec


def unit_rows(recs: list[Rec]) -> Iterator[dict]:
    for rec in recs:
        if rec.malformed:
            continue
        for part in rec.parts:
            base = {"source": rec.source, "record_id": rec.rid, "part": part.key}
            if part.role != "customer" or part.msg is None:
                yield {**base, "segment": 0, "text": part.text, "theme": None, "sub_theme": None, "sentiment": None,
                       "intent": None, "severity": None, "speaker_role": part.role, "person_cluster": None,
                       "dup_group": None, "incident": None}
                continue
            segs = part.msg.segments
            for i, seg in enumerate(segs):
                yield {**base, "segment": i, "text": part.text if len(segs) == 1 else seg.text,
                       "theme": seg.theme, "sub_theme": seg.sub_theme, "sentiment": seg.sentiment,
                       "intent": seg.intent, "severity": seg.severity, "speaker_role": "customer",
                       "person_cluster": part.cluster, "dup_group": part.dup_group,
                       "incident": rec.incident if (i == 0 and part.key in ("c1", "body")) else None}


def pii_rows(recs: list[Rec]) -> Iterator[dict]:
    for rec in recs:
        if rec.malformed:
            continue
        for part in rec.parts:
            if part.msg is None:
                continue
            seen = set()
            for kind, value in part.msg.pii:
                if (kind, value) in seen:
                    continue
                seen.add((kind, value))
                assert value in part.text, f"planted {kind} {value!r} missing from {rec.source}/{rec.rid}/{part.key}"
                yield {"source": rec.source, "record_id": rec.rid, "part": part.key, "type": kind, "value": value}


def identity_rows(pop: Population) -> Iterator[dict]:
    for h in pop.humans:
        if not h.contact_ids and not h.seen:
            continue  # never appears in any file
        names = [h.full] + [n for n in h.names_used if n != h.full]
        yield {"person_cluster": h.cluster, "emails": h.emails, "names": names, "contact_ids": h.contact_ids,
               "account_id": h.account.account_id if h.account else None}
    for s in pop.shared:
        yield {"shared_inbox": s.email, "account_id": s.account.account_id, "contact_id": s.contact_id,
               "name": s.name, "used_by": [u.cluster for u in s.users]}


def duplicate_rows(groups: list[DupGroup]) -> Iterator[dict]:
    for g in groups:
        yield {"dup_group": g.id, "kind": g.kind,
               "members": [{"source": r.source, "record_id": r.rid, "part": p.key} for r, p in g.members]}
