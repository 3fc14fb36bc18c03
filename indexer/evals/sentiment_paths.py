"""Does the sentiment branch read a long message as well from its sentences' pass as from its own?

The segment stage encodes a long message's sentences (it must classify them) and derives the
message's vector from them; the embedder then keeps, for the message, its sentences' layer-L
states side by side (`Embedder.compose_states`), and the branch reads those instead of running a
prefix pass of its own. This prints, on the shared dev corpora's texts that take that path
(segmentation candidates: `segment.candidates` picks them), accuracy and macro-F1 with 95%
intervals for both paths, through the pipeline's own functions.

    python -m indexer.evals.sentiment_paths --corpora ../shared/corpora
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from indexer.evals.real import corpora, stats

# sentiment dev-eval files; complaint tweets are scored as "complaint reads as negative"
CORPORA = ("sentiment/tweeteval-test", "sentiment/tweeteval-val", "sentiment/sst5-test",
           "sentiment/uci-sentences", "intent/complaints-tweets")


def _gold(name: str, label: str) -> str:
    if name.endswith("complaints-tweets"):
        return "negative" if label == "complaint" else "other"
    return label


def _pred(name: str, label: str) -> str:
    return ("negative" if label == "negative" else "other") if name.endswith("complaints-tweets") else label


def measure(root: Path, settings=None) -> dict[str, dict]:
    from indexer.enrich.build import share_branch_input
    from indexer.enrich.embed import Embedder
    from indexer.enrich.segment import candidates
    from indexer.enrich.sentiment import model_sentiments

    results: dict[str, dict] = {}
    for name in CORPORA:
        planned = [(r, candidates(r["text"])) for r in corpora.read(root, name)]
        rows = [(r, sentences) for r, (sentences, todo) in planned if todo]
        if not rows:
            continue
        texts = [r["text"] for r, _ in rows]
        gold = [_gold(name, str(r["label"])) for r, _ in rows]
        emb = Embedder(settings=settings, cache=None)
        share_branch_input(emb, settings)
        emb.encode([s for _, sentences in rows for s in sentences])
        for text, (_, sentences) in zip(texts, rows):
            emb.compose_states(text, sentences)
        own = model_sentiments(texts, settings)
        composed = model_sentiments(texts, settings, embedder=emb)
        if own is None or composed is None:
            raise SystemExit("no sentiment model under models/sentiment/")
        results[name] = {"n": len(rows)}
        for path, preds in (("own_pass", own), ("sentences_pass", composed)):
            results[name].update(stats.classification(gold, [_pred(name, p.label) for p in preds], prefix=f"{path}."))
        agree = np.mean([a.label == b.label for a, b in zip(own, composed)])
        results[name]["agreement"] = round(float(agree), 4)
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indexer.evals.sentiment_paths", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=None, metavar="DIR", help="the shared corpora (default ../shared/corpora)")
    a = ap.parse_args(argv)
    res = measure(corpora.corpora_dir(a.corpora))
    print(f"{'corpus':32} {'n':>5}  {'own pass acc / macro-F1':>36}  {'sentences pass acc / macro-F1':>36}  agree")
    for name, r in res.items():
        cells = []
        for path in ("own_pass", "sentences_pass"):
            acc, f1 = r[f"{path}.accuracy"], r[f"{path}.macro_f1"]
            cells.append(f"{acc['value']:.3f} [{acc['lo']:.3f},{acc['hi']:.3f}] / {f1['value']:.3f} [{f1['lo']:.3f},{f1['hi']:.3f}]")
        print(f"{name:32} {r['n']:>5}  {cells[0]:>36}  {cells[1]:>36}  {r['agreement']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
