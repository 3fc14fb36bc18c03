"""Ablation: do the lexicon and cue features still add anything to the trained branch?

Stacks [branch log-probabilities (as `finalize` stored them), VADER compound, cue counts] in a multinomial logistic
regression fitted on the calibration split (TweetEval validation) and compares macro-F1 on the
other dev corpora with the branch alone. The lexicon stays in the model path only if this wins.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.models import corpora
from indexer.models.scoring import scores
from indexer.models.sentiment_export import CALIBRATION, EVAL_LIMIT, gold_and_pred


def lexicon_features(texts: list[str]) -> np.ndarray:
    from indexer.enrich.sentiment import read_signals

    rows = []
    for t in texts:
        s = read_signals(t)
        rows.append([s.valence, min(s.bug, 3), min(s.friction, 3), min(s.request, 3),
                     float(s.question), min(s.praise, 3), min(s.churn, 3)])
    return np.array(rows, np.float32)


def run(root: Path, cache: Path, run_dir: Path, limit: int | None = EVAL_LIMIT, seed: int = 0,
        log=print) -> dict:
    """Reuses the per-corpus probabilities `finalize` stored (same seeded samples)."""
    from sklearn.linear_model import LogisticRegression

    def feats(name):
        rows = corpora.load_rows(root, corpora.ALL[name])
        rows = [rows[i] for i in corpora.sample_rows(rows, limit, seed)]
        logp = np.log(np.clip(np.load(run_dir / f"probs-{name}.npy"), 1e-6, 1.0))
        return rows, logp, lexicon_features([r["text"] for r in rows])

    rows, logp, lex = feats(CALIBRATION)
    y = np.array([corpora.LABEL_INDEX[r["label"]] for r in rows])
    stack = LogisticRegression(max_iter=2000, C=1.0).fit(np.hstack([logp, lex]), y)
    base = LogisticRegression(max_iter=2000, C=1.0).fit(logp, y)  # same recalibration, no lexicon
    out = {}
    for spec in corpora.DEV:
        if spec.task == "intent" or spec.name == CALIBRATION or not (run_dir / f"probs-{spec.name}.npy").exists():
            continue
        rows, logp, lex = feats(spec.name)
        res = {}
        for who, pred in (("branch", logp.argmax(1)), ("branch+recal", base.predict(logp)),
                          ("branch+lexicon", stack.predict(np.hstack([logp, lex])))):
            gold, p = gold_and_pred(spec, [corpora.LABELS[i] for i in pred], rows)
            res[who] = scores(gold, p, n_boot=200)["macro_f1"]
        out[spec.name] = res
        log(f"{spec.name}: " + ", ".join(f"{k} {v['value']:.3f}" for k, v in res.items()))
    (run_dir / "ablation.json").write_text(json.dumps(out, indent=1))
    return out
