"""The learned taxonomy head as an artifact: its abstention threshold, its arrays, and where it is
saved (VOXINDEX_HOME/taxonomy/, keyed by the taxonomy's version and a hash of its sub-theme names,
so a changed taxonomy never uses a stale head). Fitting it is `indexer.taxonomy_learn`; the
classifier (`indexer.enrich.taxonomy`) loads it, so this module needs neither of them."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .taxonomy import Taxonomy

# Abstention threshold on the head's top probability. Top probabilities shrink as sub-themes are
# added, so the threshold depends on their number k. Calibrated with
# `python -m indexer.evals.real.learning_curve` (never on test splits):
# - CLINC150 val: for k-intent subsets (5 seeded draws per k) and all 150 intents, a 10-shot logreg
#   head, the highest threshold whose in-scope accuracy drop stays <= 3 points: medians below;
# - HINT3 train (messages not used as examples): the same per bot (k = 21, 28, 57) came out lower,
#   real chatbot traffic being messier than CLINC; the median ratio HINT3 / CLINC-at-that-k (0.727)
#   scales the CLINC curve, so deployments on messy feedback stay inside the in-scope budget.
ABSTAIN_BY_K = {9: 0.52, 20: 0.40, 50: 0.255, 150: 0.185}
ABSTAIN_MESSY_FACTOR = 0.727


def abstain_threshold(n_classes: int) -> float:
    ks = np.log(np.array(list(ABSTAIN_BY_K), dtype=float))
    return float(ABSTAIN_MESSY_FACTOR * np.interp(np.log(max(2, n_classes)), ks, list(ABSTAIN_BY_K.values())))


ABSTAIN_LEARNED = abstain_threshold(150)  # 0.134: the full CLINC150 taxonomy


@dataclass
class LearnedHead:
    sub_themes: list[str]
    method: str
    weights: np.ndarray  # (dims, classes)
    bias: np.ndarray  # (classes,)
    examples: np.ndarray  # (m, dims) unit vectors of every example (incl. names/descriptions)
    owners: np.ndarray  # (m,) class index of each example
    threshold: float = ABSTAIN_LEARNED
    taxonomy_key: str = ""
    counts: dict[str, int] = field(default_factory=dict)  # labeled examples per sub-theme

    def matches(self, taxonomy: Taxonomy) -> bool:
        return self.taxonomy_key == taxonomy_key(taxonomy)

    def proba(self, vectors: np.ndarray) -> np.ndarray:
        z = vectors @ self.weights + self.bias
        z -= z.max(1, keepdims=True)
        p = np.exp(z)
        return p / p.sum(1, keepdims=True)


def taxonomy_key(taxonomy: Taxonomy) -> str:
    names = "\x1f".join(s.key for s in taxonomy.sub_themes)
    return f"{taxonomy.version}-{hashlib.sha1(names.encode()).hexdigest()[:10]}"


def head_path(settings, taxonomy: Taxonomy) -> Path:
    return Path(settings.home) / "taxonomy" / f"{taxonomy_key(taxonomy)}.npz"


def save(head: LearnedHead, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"sub_themes": head.sub_themes, "method": head.method, "threshold": head.threshold,
            "taxonomy_key": head.taxonomy_key, "counts": head.counts}
    with open(path, "wb") as fh:
        np.savez_compressed(fh, weights=head.weights, bias=head.bias, examples=head.examples,
                            owners=head.owners, meta=np.array(json.dumps(meta)))
    return path


def load(path: Path) -> LearnedHead | None:
    if not Path(path).exists():
        return None
    z = np.load(path, allow_pickle=False)
    meta = json.loads(str(z["meta"]))
    return LearnedHead(meta["sub_themes"], meta["method"], z["weights"], z["bias"], z["examples"], z["owners"],
                       float(meta["threshold"]), meta["taxonomy_key"], meta.get("counts", {}))


def load_for(settings, taxonomy: Taxonomy) -> LearnedHead | None:
    return load(head_path(settings, taxonomy))
