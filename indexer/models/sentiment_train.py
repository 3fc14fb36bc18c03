"""Train the sentiment branch on cached layer-3 states (seeded, resumable, time-boxed).

Recipe: pretrained copies of encoder layers L+1..6 plus a mean-pooled linear head, AdamW with
warmup and linear decay, class-balanced cross-entropy over the train mix, length-bucketed
batches. Dev texts are removed from the train set (TweetEval's validation tweets also occur in
the SemEval train files). A checkpoint is written every `ckpt_every` steps and at the end of a
time box, so `train` called again continues where it stopped. Selection: mean macro-F1 over the
selection dev corpora after each epoch.
"""
from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from indexer.models import corpora, precompute
from indexer.models.branch import HIDDEN, build

# Per-epoch selection: one tweet and one sentence corpus (a full dev pass costs minutes here).
SELECTION = corpora.SELECTION


@dataclass
class Config:
    layer: int = 4
    epochs: float = 2.0
    batch: int = 32
    lr: float = 5e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    label_smoothing: float = 0.05
    seed: int = 0
    ckpt_every: int = 200
    # Selection also runs every `eval_every` steps (0: at epoch ends only), so a time box that
    # stops mid-epoch still leaves a recent evaluated checkpoint.
    eval_every: int = 0
    # Stop (evaluated, resumable) at this step even if the schedule runs longer: replays a run that
    # a time box ended, step for step, on any machine (0: no stop).
    stop_step: int = 0
    threads: int = 2
    # Also train on the sentences-path input of segmentation candidates (VOXINDEX_SENTIMENT_FROM_SENTENCES):
    # "" none, "all" every train corpus, else comma-separated corpus names
    composed: str = ""


def set_seed(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def pad(seqs: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    t = max(len(s) for s in seqs)
    x = np.zeros((len(seqs), t, HIDDEN), np.float32)
    m = np.zeros((len(seqs), t), np.int64)
    for i, s in enumerate(seqs):
        x[i, :len(s)] = s
        m[i, :len(s)] = 1
    return torch.from_numpy(x), torch.from_numpy(m)


def dev_texts(root: Path) -> set[str]:
    out: set[str] = set()
    for spec in corpora.DEV:
        out.update(corpora.norm_text(r["text"]) for r in corpora.load_rows(root, spec))
    return out


def load_train(root: Path, cache: Path, layer: int, log=print,
               composed: str = "") -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Every train row's cached states; with `composed` ("all" or corpus names), each segmentation
    candidate of those corpora also a second time with its sentences-path input
    (`precompute.precompute_composed`), same label."""
    held_out = dev_texts(root)
    seqs, labels, source = [], [], []
    for si, spec in enumerate(corpora.TRAIN):
        rows = corpora.load_rows(root, spec)
        states, _ = precompute.load_cached(cache, spec.name, layer)
        mine = composed == "all" or spec.name in composed.split(",")
        extra = dict(zip(*precompute.load_composed(cache, spec.name))) if mine else {}
        dropped = added = 0
        for i, (r, s) in enumerate(zip(rows, states)):
            if corpora.norm_text(r["text"]) in held_out:
                dropped += 1
                continue
            for x in (s, extra[i]) if i in extra else (s,):
                seqs.append(x)
                labels.append(corpora.LABEL_INDEX[r["label"]])
                source.append(si)
            added += i in extra
        log(f"train {spec.name}: {len(rows) - dropped} rows ({dropped} dev duplicates dropped)"
            + (f", {added} with their sentences-path input too" if mine else ""))
    return seqs, np.array(labels), np.array(source)


def batches(lengths: np.ndarray, batch: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches of similar length (little padding), in shuffled order."""
    perm = rng.permutation(len(lengths))
    out = []
    pool = batch * 50
    for i in range(0, len(perm), pool):
        chunk = perm[i:i + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        out.extend(chunk[j:j + batch] for j in range(0, len(chunk), batch))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


@torch.no_grad()
def predict_logits(frozen, branch, seqs: list[np.ndarray], batch: int = 128) -> np.ndarray:
    branch.eval()
    order = np.argsort([len(s) for s in seqs], kind="stable")
    out = np.zeros((len(seqs), 3), np.float32)
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        x, m = pad([seqs[j] for j in idx])
        out[idx] = branch.logits(frozen(x, m), m).numpy()
    return out


def evaluate(frozen, branch, root: Path, cache: Path, layer: int, names=SELECTION) -> dict[str, float]:
    from indexer.models.scoring import scores

    res = {}
    for name in names:
        spec = corpora.ALL[name]
        rows = corpora.load_rows(root, spec)
        states, _ = precompute.load_cached(cache, name, layer)
        pred = predict_logits(frozen, branch, states).argmax(1)
        gold = [r["label"] for r in rows]
        res[name] = scores(gold, [corpora.LABELS[i] for i in pred], n_boot=1)["macro_f1"]["value"]
    return res


def train(root: Path, cache: Path, out: Path, cfg: Config, *, max_minutes: float | None = None,
          log=print) -> Path:
    """Train (or resume) one branch into `out`; returns the path of the best checkpoint."""
    torch.set_num_threads(cfg.threads)
    set_seed(cfg.seed)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg)))
    cached = precompute.cached_layer(cache, SELECTION[0])
    if cached > cfg.layer:
        raise ValueError(f"the cache holds layer {cached}; a branch at L={cfg.layer} needs a lower one")
    if cfg.composed:
        for spec in corpora.TRAIN:
            precompute.precompute_composed(root, cache, spec, layer=cached, log=log)
    seqs, labels, _ = load_train(root, cache, cached, log, composed=cfg.composed)
    lengths = np.array([len(s) for s in seqs])
    frozen, branch = build(cached, cfg.layer)
    counts = np.bincount(labels, minlength=3).astype(np.float64)
    weights = torch.tensor(counts.sum() / (3 * counts), dtype=torch.float32)
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights, label_smoothing=cfg.label_smoothing)
    groups = [
        {"params": [p for n, p in branch.named_parameters() if not n.startswith("head")], "lr": cfg.lr},
        {"params": list(branch.head.parameters()), "lr": cfg.head_lr},
    ]
    opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
    per_epoch = math.ceil(len(seqs) / cfg.batch)
    total = int(per_epoch * cfg.epochs)
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (total - s) / max(1, total - warm)))
    step, best, history = 0, -1.0, []
    ckpt = out / "last.pt"
    if ckpt.exists():
        state = torch.load(ckpt, weights_only=False)
        branch.load_state_dict(state["branch"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, best, history = state["step"], state["best"], state["history"]
        log(f"resumed at step {step}/{total}")
    t0, seen, timed_out = time.time(), 0, False
    while step < total and not timed_out:
        epoch = step // per_epoch
        plan = batches(lengths, cfg.batch, np.random.default_rng(cfg.seed * 1000 + epoch))
        start = step - epoch * per_epoch
        branch.train()
        # Dropout draws depend on the step, so a resumed run repeats the uninterrupted one.
        torch.manual_seed(cfg.seed * 1_000_003 + step)
        for idx in plan[start:]:
            x, m = pad([seqs[j] for j in idx])
            y = torch.from_numpy(labels[idx])
            loss = loss_fn(branch.logits(frozen(x, m), m), y)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(branch.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += len(idx)
            if step % 50 == 0:
                rate = seen / (time.time() - t0)
                log(f"step {step}/{total} epoch {epoch} loss {loss.item():.4f} {rate:.1f} ex/s")
            timed_out = ((max_minutes is not None and time.time() - t0 > max_minutes * 60)
                         or (cfg.stop_step > 0 and step >= cfg.stop_step))
            if step % cfg.ckpt_every == 0 or step >= total or timed_out:
                torch.save({"branch": branch.state_dict(), "opt": opt.state_dict(),
                            "sched": sched.state_dict(), "step": step, "best": best,
                            "history": history}, ckpt)
            if (step % per_epoch == 0 or step >= total or timed_out
                    or (cfg.eval_every and step % cfg.eval_every == 0)):
                break
        # A time box still ends in an evaluated, selectable checkpoint.
        if (step % per_epoch == 0 or step >= total or timed_out
                or (cfg.eval_every and step % cfg.eval_every == 0)):
            res = evaluate(frozen, branch, root, cache, cached)
            mean = float(np.mean(list(res.values())))
            history.append({"step": step, "dev_macro_f1": res, "mean": round(mean, 4)})
            log(f"eval step {step}: {res} mean {mean:.4f}")
            (out / "history.json").write_text(json.dumps(history, indent=1))
            if mean > best:
                best = mean
                torch.save({"branch": branch.state_dict(), "layer": cfg.layer, "step": step}, out / "best.pt")
            torch.save({"branch": branch.state_dict(), "opt": opt.state_dict(),
                        "sched": sched.state_dict(), "step": step, "best": best,
                        "history": history}, ckpt)
        if timed_out and step < total:
            log(f"time box reached at step {step}/{total}; run again to resume")
    (out / "history.json").write_text(json.dumps(history, indent=1))
    return out / "best.pt"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--layer", type=int, default=4)
    ap.add_argument("--epochs", type=float, default=2.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--eval-every", type=int, default=0, help="steps between selection evals (0: epochs)")
    ap.add_argument("--stop-step", type=int, default=0, help="stop at this step (replays a time-boxed run)")
    a = ap.parse_args(argv)
    cfg = Config(layer=a.layer, epochs=a.epochs, lr=a.lr, threads=a.threads, seed=a.seed,
                 eval_every=a.eval_every, stop_step=a.stop_step)
    train(a.corpora, a.cache, a.out, cfg, max_minutes=a.max_minutes,
          log=lambda m: print(m, flush=True))


if __name__ == "__main__":
    main()
