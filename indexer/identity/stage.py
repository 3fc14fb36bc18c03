"""IdentityStage: unit.author_email / author_name -> unit.person_id (and account_id)."""
from __future__ import annotations

from dataclasses import dataclass, field

from indexer.pipeline import Batch, Write
from voxindex.model import FeedbackUnit

from .resolver import DEFAULT_THRESHOLD, Resolver
from .store import change_actions, load_resolver

# Sources whose author field is a nickname, never an identity (see docs/source-formats.md).
UNRESOLVED_SOURCES = frozenset({"appstore"})


@dataclass
class IdentityStage:
    """Resolves each unit's author against an in-memory resolver loaded once per pipeline.
    New persons and decisions come back on the batch (when `settings` names the indices) for the
    ingest runner to write; the resolver keeps them in memory for the next batches meanwhile."""

    resolver: Resolver
    settings: object | None = None
    name: str = "identity"
    counts: dict[str, int] = field(default_factory=lambda: {"resolved": 0, "anonymous": 0, "shared": 0})

    def resolve_unit(self, unit: FeedbackUnit) -> FeedbackUnit:
        if unit.source in UNRESOLVED_SOURCES or not unit.author_email:
            unit.person_id = None
            self.counts["anonymous"] += 1
            return unit
        person = self.resolver.resolve(unit.author_email, unit.author_name, account_id=unit.account_id, at=unit.created_at)
        if person is None:
            unit.person_id = None
            self.counts["anonymous"] += 1
            return unit
        unit.person_id = person.person_id
        # a connector-given account wins; else the person's (CRM, or the email domain's account)
        unit.account_id = unit.account_id or person.account_id
        self.counts["shared" if person.is_shared_inbox else "resolved"] += 1
        return unit

    def __call__(self, units: list[FeedbackUnit]) -> Batch:
        out = [self.resolve_unit(u) for u in units]
        if self.settings is None:
            return Batch(out)
        actions, _ = change_actions(self.settings, self.resolver)
        return Batch(out, [Write(self.name, a) for a in actions])


def identity_stage(settings, es=None, threshold: float = DEFAULT_THRESHOLD) -> IdentityStage:
    if es is None:
        return IdentityStage(Resolver(threshold=threshold))
    return IdentityStage(load_resolver(es, settings, threshold=threshold), settings=settings)
