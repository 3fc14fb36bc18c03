"""Does the sentiment branch read a long message as well from its sentences' pass as from its own?

The segment stage encodes a long message's sentences (it must classify them) and derives the
message's vector from them; the embedder then keeps, for the message, its sentences' layer-L
states side by side (`Embedder.compose_states`), and the branch reads those instead of running a
prefix pass of its own (opt-in: VOXINDEX_SENTIMENT_FROM_SENTENCES). By default ingest gives
such a message its own prefix pass on the int8 encoder (`sentiment.branch_input_encoder`), while
`eval --suite real` measures the fp32 pass. This prints, on the shared dev corpora's texts that take
that path (segmentation candidates: `segment.candidates` picks them), accuracy and macro-F1 with
95% intervals for all three, through the pipeline's own functions ("agree": own fp32 pass vs the
sentences' pass).

    python -m indexer.evals.sentiment_paths --corpora ../shared/corpora
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from indexer.evals.real import corpora, stats

# sentiment dev-eval files of `eval --suite real` with enough long messages to compare; complaint
# tweets are scored as there: "a complaint addressed to a company reads as negative"
CORPORA = ("tweeteval-test", "tweeteval-val", "sst5-test", "uci-sentences", "complaints-tweets")
CHUNK = 200  # texts per batch, as the pipeline's batches hand states to the sentiment stage


def compare(rows: list[tuple[str, str]], settings=None, to_task=lambda labels: labels) -> dict | None:
    """(text, gold) rows -> both paths' accuracy / macro-F1 on the segmentation candidates among
    them (None when there are none). `to_task` maps predicted labels into the gold's label space."""
    from indexer.enrich.build import share_branch_input
    from indexer.enrich.embed import Embedder
    from indexer.enrich.segment import candidates
    from indexer.enrich.sentiment import branch_input_encoder, branch_model, model_sentiments, prefix_states

    planned = [(text, gold, candidates(text)) for text, gold in rows]
    kept = [(text, gold, sentences) for text, gold, (sentences, todo) in planned if todo]
    if not kept:
        return None
    texts, gold = [t for t, _, _ in kept], [g for _, g, _ in kept]
    emb = Embedder(settings=settings, cache=None)
    share_branch_input(emb, settings)
    emb.compose = True  # the path under test, whatever the setting says
    own = model_sentiments(texts, settings)
    branch = branch_model(settings)
    # what ingest runs by default for these texts: the same own pass, on the int8 encoder
    own_int8 = model_sentiments(texts, settings, hidden=prefix_states(branch_input_encoder(settings), branch.max_tokens)
                                ) if branch is not None else None
    composed: list = []
    for i in range(0, len(kept), CHUNK):  # as the pipeline runs: a batch's states, then its sentiment
        chunk = kept[i : i + CHUNK]
        _, states = emb.encode_with_states([s for _, _, sentences in chunk for s in sentences])
        at = 0
        for text, _, sentences in chunk:
            emb.compose_states(text, states[at : at + len(sentences)])
            at += len(sentences)
        composed += model_sentiments([t for t, _, _ in chunk], settings, embedder=emb) or []
    if own is None or own_int8 is None or len(composed) != len(kept):
        raise SystemExit("no sentiment model under models/sentiment/")
    out: dict = {"n": len(kept)}
    for path, preds in (("own_pass", own), ("own_pass_int8", own_int8), ("sentences_pass", composed)):
        out.update(stats.classification(gold, to_task([p.label for p in preds]), prefix=f"{path}."))
    out["agreement"] = round(float(np.mean([a.label == b.label for a, b in zip(own, composed)])), 4)
    return out


def measure(root: Path, settings=None) -> dict[str, dict]:
    from indexer.evals.real_sentiment import as_task, corpus_spec
    from indexer.models.corpora import load_rows

    results: dict[str, dict] = {}
    for name in CORPORA:
        spec = corpus_spec(name)
        rows = [(r["text"], r["label"]) for r in load_rows(root, spec)]
        r = compare(rows, settings, lambda labels, spec=spec: as_task(spec, labels))
        if r is not None:
            results[name] = r
    return results


def measure_demo(data_dir: str) -> dict[str, dict]:
    """The same comparison on generated data (a regression check, not an accuracy claim)."""
    from indexer.evals import data

    rows = [(r["text"], r["sentiment"]) for r in data.load(data_dir).customer()]
    r = compare(rows)
    return {f"demo ({data_dir})": r} if r is not None else {}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m indexer.evals.sentiment_paths", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpora", default=None, metavar="DIR", help="the shared corpora (default ../shared/corpora)")
    ap.add_argument("--data", default=None, metavar="DIR",
                    help="also a labeled demo directory (ground_truth/): a regression check on generated text")
    a = ap.parse_args(argv)
    res = measure(corpora.corpora_dir(a.corpora))
    if a.data:
        res.update(measure_demo(a.data))
    print(f"{'corpus':20} {'n':>5}  {'own pass (fp32) acc / macro-F1':>36}  {'own pass, int8 (ingest default)':>36}  "
          f"{'sentences pass (opt-in)':>36}  agree")
    for name, r in res.items():
        cells = []
        for path in ("own_pass", "own_pass_int8", "sentences_pass"):
            acc, f1 = r[f"{path}.accuracy"], r[f"{path}.macro_f1"]
            cells.append(f"{acc['value']:.3f} [{acc['lo']:.3f},{acc['hi']:.3f}] / {f1['value']:.3f} [{f1['lo']:.3f},{f1['hi']:.3f}]")
        print(f"{name:20} {r['n']:>5}  {cells[0]:>36}  {cells[1]:>36}  {cells[2]:>36}  {r['agreement']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
