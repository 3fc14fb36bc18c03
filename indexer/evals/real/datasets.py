"""The intent corpora scored as taxonomies: which split is test, which supplies few-shot
examples, what the out-of-scope label is, and the customer-written taxonomy for each.

Banking77 and HINT3 use taxonomies written here from domain knowledge (taxonomies/*.yaml: a
name and a short description per intent, never text from the corpus). CLINC150's 150 intents
across 10 domains get their names only (humanized), the weakest zero-shot setting."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.enrich.taxonomy import SubTheme, Taxonomy, load_taxonomy

from . import corpora as C

HERE = Path(__file__).resolve().parent / "taxonomies"


@dataclass(frozen=True)
class IntentSet:
    name: str
    test: str
    train: str | None
    oos_label: str | None = None
    taxonomy_file: str | None = None
    calibration: str | None = None  # split used to calibrate abstention (never the test split)


SETS = {
    "banking77": IntentSet("banking77", "intent/banking77-test", "intent/banking77-train",
                           taxonomy_file="banking77.yaml"),
    "clinc150": IntentSet("clinc150", "intent/clinc150-test", "intent/clinc150-train", "out_of_scope",
                          calibration="intent/clinc150-val"),
    **{f"hint3-{bot}": IntentSet(f"hint3-{bot}", f"intent/hint3-{bot}-test", f"intent/hint3-{bot}-train",
                                  "NO_NODES_DETECTED", taxonomy_file=f"hint3-{bot}.yaml",
                                  calibration=f"intent/hint3-{bot}-train")
       for bot in ("sofmattress", "curekart", "powerplay11")},
}
HINT3 = ("hint3-sofmattress", "hint3-curekart", "hint3-powerplay11")


def taxonomy_for(s: IntentSet, corpora: Path) -> Taxonomy:
    if s.taxonomy_file:
        return load_taxonomy(HERE / s.taxonomy_file)
    labels = sorted({r["label"] for r in C.read(corpora, s.train or s.test)} - {s.oos_label})
    subs = tuple(SubTheme(theme=s.name, name=l, description=l.replace("_", " "), keywords=(), examples=())
                 for l in labels)
    return Taxonomy(version=f"{s.name}-names-1", themes={s.name: ""}, sub_themes=subs, path=f"<{s.name} names>")


def embed_rows(rows: list[dict]) -> np.ndarray:
    from indexer.evals.common import embedder

    return embedder()([r["text"] for r in rows])


# the small taxonomies abstention is measured on: SMALL_DRAWS seeded draws of SMALL_K CLINC150 intents
SMALL_K, SMALL_DRAWS = 9, 5


def draws(corpora: Path, k: int, n: int, seed: int) -> list[list[str]]:
    labels = sorted({r["label"] for r in C.read(corpora, "intent/clinc150-train")} - {"out_of_scope"})
    rng = np.random.default_rng(seed + 1)
    return [sorted(rng.choice(labels, k, replace=False).tolist()) for _ in range(n)]
