"""Which units a label-based count may include: confident taxonomy labels only.

Every unit gets a sub-theme today, even off-topic ones, so a sub-theme's baseline can be
inflated by messages that merely landed nearest to it (on real feedback: ~100 a day of noise
hiding a 57-vs-7 cancellation spike). Spike, trend and new-term counts therefore leave out
units the taxonomy was unsure of. The field names below are the single place that decides
what "unsure" means in the index; point them elsewhere when the taxonomy's schema changes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

# the taxonomy's own score for its label (0..1); units under the rule's floor are not counted
CONFIDENCE_FIELD = "taxonomy.confidence"
# set by the taxonomy when a human should look (today: confidence under its review floor)
NEEDS_REVIEW_FIELD = "taxonomy.needs_review"
# a unit the taxonomy abstained on has no value here, so it is not counted either
LABEL_FIELD = "taxonomy.sub_theme"
# false when the taxonomy abstained ("unclassified"); true for a label it stands by or an analyst set
CONFIDENT_FIELD = "taxonomy.confident"

# rule fields (friendly names) whose values come from the taxonomy: counts over them need a confident label
LABEL_DIMENSIONS = frozenset({"theme", "sub_theme", "primary_theme", "primary_sub_theme"})

DEFAULT_MIN_CONFIDENCE = 0.0  # needs_review already carries the taxonomy's calibrated floor


@dataclass(frozen=True)
class LabelPolicy:
    min_confidence: float = DEFAULT_MIN_CONFIDENCE
    count_needs_review: bool = False


def uses_labels(dimension: Iterable[str], filters: dict[str, Any] | None = None,
                exclude: dict[str, Any] | None = None) -> bool:
    """A rule counts labels when it groups, filters or excludes by a taxonomy field. A rule over
    sources or app versions alone counts every unit: abstaining on a theme does not make a
    message any less delivered."""
    named = set(dimension) | set(filters or {}) | set(exclude or {})
    return bool(named & LABEL_DIMENSIONS)


def confident_clauses(policy: LabelPolicy) -> tuple[list[dict], list[dict]]:
    """(filter, must_not) that keep confident labels only.

    Units missing the confidence or review fields (written before the taxonomy recorded them)
    are kept: only a unit the taxonomy itself called unsure is left out."""
    flt: list[dict] = [{"exists": {"field": LABEL_FIELD}}]
    must_not: list[dict] = [{"term": {CONFIDENT_FIELD: False}}]
    if not policy.count_needs_review:
        must_not.append({"term": {NEEDS_REVIEW_FIELD: True}})
    if policy.min_confidence > 0:
        must_not.append({"range": {CONFIDENCE_FIELD: {"lt": policy.min_confidence}}})
    return flt, must_not


def is_confident(doc: dict, policy: LabelPolicy) -> bool:
    """The same decision for one document (what the clauses select), for tests and replays."""
    def get(path: str):
        value: Any = doc
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    if get(LABEL_FIELD) in (None, [], "") or get(CONFIDENT_FIELD) is False:
        return False
    if not policy.count_needs_review and get(NEEDS_REVIEW_FIELD) is True:
        return False
    conf = get(CONFIDENCE_FIELD)
    return not (policy.min_confidence > 0 and conf is not None and conf < policy.min_confidence)
