"""`voxindex train sentiment`: cache encoder states, train the branch, calibrate, export, report."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

TRAIN_HELP = """\
Train the sentiment branch from the shared corpora (files marked `train` in their README),
select and calibrate on dev-eval files, export ONNX (int8 when quality holds) to models/sentiment/,
and print accuracy / macro-F1 with 95% bootstrap intervals per dev corpus next to today's rules.
Every step resumes: the layer-L state cache and the training checkpoints live under --work."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="train a model on the shared corpora (sentiment)",
                       description=TRAIN_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=["sentiment"])
    p.add_argument("--corpora", required=True, metavar="DIR", help="the shared corpora (../shared/corpora)")
    p.add_argument("--work", default=".cache/sentiment-train", metavar="DIR",
                   help="state cache + checkpoints (default: .cache/sentiment-train)")
    p.add_argument("--out", default=None, metavar="DIR", help="artifact directory (default: models/sentiment)")
    p.add_argument("--layer", type=int, default=4, choices=[3, 4, 5], help="encoder layer the branch reads")
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--eval-every", type=int, default=350, help="steps between selection evals (default 350: a quarter of the 1,404-step epoch)")
    p.add_argument("--stop-step", type=int, default=0, help="stop at this step (replays a time-boxed run)")
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--max-minutes", type=float, default=None, help="time box; run again to resume")
    p.add_argument("--composed", nargs="?", const="all", default="", metavar="CORPORA",
                   help="also train on each long message's sentences-path input (the opt-in "
                        "VOXINDEX_SENTIMENT_FROM_SENTENCES): every train corpus, or these comma-separated ones")
    p.add_argument("--report-only", action="store_true", help="print the stored metrics.json")
    p.set_defaults(func=_train)


def _train(args) -> int:
    from indexer.models.sentiment_model import ARTIFACT_DIR

    out = Path(args.out) if args.out else ARTIFACT_DIR
    if args.report_only:
        from indexer.evals.real.runner import format_metrics

        doc = json.loads((out / "real-eval.json").read_text())
        print(format_metrics(doc["tasks"]["sentiment"]))
        return 0
    from indexer.encoder import require_torch

    try:
        require_torch("training")
    except RuntimeError as exc:
        print(f"error: {exc}")
        return 2
    from indexer.models import precompute, sentiment_export, sentiment_train

    root, work = Path(args.corpora), Path(args.work)
    if not (root / "README.md").exists():
        print(f"error: {root} does not look like the shared corpora directory (no README.md)")
        return 2
    cache = work / f"hs{args.layer}"
    log = lambda m: print(m, flush=True)  # noqa: E731
    for spec in precompute.cache_order():
        precompute.precompute_corpus(root, cache, spec, layers=(args.layer,), log=log)
    cfg = sentiment_train.Config(layer=args.layer, epochs=args.epochs, lr=args.lr, seed=args.seed,
                                 threads=args.threads, eval_every=args.eval_every,
                                 stop_step=args.stop_step, composed=args.composed)
    run_dir = work / f"run-L{args.layer}-s{args.seed}{'-composed-' + args.composed.replace(',', '+') if args.composed else ''}"
    sentiment_train.train(root, cache, run_dir, cfg, max_minutes=args.max_minutes, log=log)
    if not (run_dir / "best.pt").exists():
        print("training stopped before its first evaluation; run the command again to resume")
        return 1
    from indexer.models.sentiment_release import release

    metrics = release(root, cache, run_dir, out, log=log)
    if metrics["corpora"]:  # the 1,000-row cache-path figures, when --ablation measured them
        print(sentiment_export.format_metrics(metrics))
    print(f"branch cost: {metrics['branch_ms_per_64_texts']} ms per 64 texts")
    return 0
