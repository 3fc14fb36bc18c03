"""After training: calibrate + export, the CI gate's figure, the branch's inference cost
(models/sentiment/metrics.json) and the real-data eval of the shipped artifact, exactly as
`voxindex eval --suite real --task sentiment --json models/sentiment/real-eval.json` writes it
(the README table and the model card quote that file). `--ablation` also re-runs the lexicon
ablation on 1,000-row samples of every dev corpus."""
from __future__ import annotations

import json
from pathlib import Path

GATE = {"corpus": "tweeteval-test", "n": 300, "seed": 0}


def release(root: Path, cache: Path, run_dir: Path, out: Path, log=print, ablation: bool = False,
            real_eval: bool = True) -> dict:
    from indexer.evals import real_sentiment
    from indexer.models import sentiment_ablation, sentiment_export
    from indexer.models.sentiment_model import ARTIFACT_DIR, _LOADED

    metrics = sentiment_export.finalize(root, cache, run_dir, out, measure=ablation, log=log)
    if ablation:
        metrics["ablation_lexicon"] = sentiment_ablation.run(root, cache, run_dir, log=log)
    if out.resolve() == ARTIFACT_DIR.resolve():
        _LOADED.clear()  # a model loaded before this export is stale
        m = real_sentiment.run(root, limit=GATE["n"], seed=GATE["seed"], names=(GATE["corpus"],))
        metrics["gate"] = dict(GATE, macro_f1=m[f"sentiment.{GATE['corpus']}.model.macro_f1"]["value"],
                               rules_macro_f1=m[f"sentiment.{GATE['corpus']}.rules.macro_f1"]["value"],
                               constant_macro_f1=m[f"sentiment.{GATE['corpus']}.constant.macro_f1"]["value"])
        log(f"gate sample: {metrics['gate']}")
    metrics["branch_ms_per_64_texts"] = {
        "threads_1_tokens_48": sentiment_export.branch_cost_ms(out, threads=1),
        "threads_1_tokens_96": sentiment_export.branch_cost_ms(out, tokens=96, threads=1)}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    if real_eval and out.resolve() == ARTIFACT_DIR.resolve():
        from indexer.evals.real.runner import run_real

        doc = run_real(root, ["sentiment"], None, 0, echo=log)
        (out / "real-eval.json").write_text(json.dumps(doc, indent=2, default=str))
    return metrics


def main(argv=None) -> None:
    import argparse

    from indexer.models.sentiment_export import format_metrics
    from indexer.models.sentiment_model import ARTIFACT_DIR

    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--run", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ARTIFACT_DIR)
    ap.add_argument("--ablation", action="store_true", help="also re-run the lexicon ablation")
    ap.add_argument("--no-real-eval", action="store_true", help="skip the full real-data eval")
    a = ap.parse_args(argv)
    m = release(a.corpora, a.cache, a.run, a.out, log=lambda x: print(x, flush=True), ablation=a.ablation,
                real_eval=not a.no_real_eval)
    if m["corpora"]:
        print(format_metrics(m), flush=True)
    print(json.dumps({k: m[k] for k in ("gate", "branch_ms_per_64_texts") if k in m}), flush=True)


if __name__ == "__main__":
    main()
