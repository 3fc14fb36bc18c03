"""Calibrate, export and measure a trained sentiment branch.

- temperature scaling on TweetEval validation (a dev split, never a test split): one scalar T
  minimising the negative log-likelihood, baked into the graph;
- ONNX export (inputs `hidden_states` [n,T,384] float32 at layer L, `attention_mask` [n,T]
  int64; output `probabilities` [n,3]) and dynamic int8 quantization, kept only if dev macro-F1
  stays within 0.005 of fp32;
- per-corpus accuracy / macro-F1 with 95% bootstrap intervals, next to the lexicon rules.
"""
from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import torch

from indexer.models import corpora, precompute
from indexer.models.baselines import lexicon_labels, rules_labels
from indexer.models.branch import HIDDEN, build
from indexer.models.scoring import constant_macro_f1, scores
from indexer.models.sentiment_train import SELECTION, predict_logits

CALIBRATION = "tweeteval-val"
EVAL_LIMIT = 1000  # rows per dev corpus in the stored metrics (seeded sample; CPU budget)
QUANT_CHECK = 600  # calibration rows on which int8 must match fp32


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    def nll(t: float) -> float:
        z = logits / t
        z = z - z.max(1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(1, keepdims=True))
        return float(-logp[np.arange(len(labels)), labels].mean())

    grid = np.arange(0.5, 3.01, 0.02)
    return round(float(grid[int(np.argmin([nll(t) for t in grid]))]), 2)


def gold_and_pred(spec: corpora.CorpusSpec, labels: list[str], rows: list[dict]):
    """The complaint corpus has no sentiment gold: a complaint should read as negative."""
    if spec.task == "complaint":
        return [r["label"] for r in rows], ["complaint" if p == "negative" else "not_complaint" for p in labels]
    return [r["label"] for r in rows], labels


def export_onnx(branch, path: Path) -> None:
    branch.eval()
    x = torch.randn(2, 7, HIDDEN)
    m = torch.ones(2, 7, dtype=torch.int64)
    m[1, 5:] = 0
    torch.onnx.export(branch, (x, m), str(path), input_names=["hidden_states", "attention_mask"],
                      output_names=["probabilities"], opset_version=17, dynamo=False,
                      dynamic_axes={"hidden_states": {0: "n", 1: "tokens"},
                                    "attention_mask": {0: "n", 1: "tokens"},
                                    "probabilities": {0: "n"}})


def quantize(src: Path, dst: Path) -> None:
    """Dynamic int8 with per-token activation scales (indexer/encoder/quantize.py): a message's
    probabilities do not depend on the messages batched with it."""
    from onnxruntime.quantization import QuantType

    from indexer.encoder.quantize import quantize_dynamic_rows

    quantize_dynamic_rows(src, dst, weight_type=QuantType.QInt8)


def onnx_probs(path: Path, frozen, seqs: list[np.ndarray], batch: int = 128) -> np.ndarray:
    import onnxruntime as ort

    from indexer.models.sentiment_train import pad

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    order = np.argsort([len(s) for s in seqs], kind="stable")
    out = np.zeros((len(seqs), 3), np.float32)
    for i in range(0, len(order), batch):
        idx = order[i:i + batch]
        x, m = pad([seqs[j] for j in idx])
        with torch.no_grad():
            x = frozen(x, m)
        out[idx] = sess.run(None, {"hidden_states": x.numpy(), "attention_mask": m.numpy()})[0]
    return out


def finalize(root: Path, cache: Path, run_dir: Path, artifact: Path, *, limit: int | None = EVAL_LIMIT,
             seed: int = 0, measure: bool = True, log=print) -> dict:
    """Calibrate, export and write model.json / metrics.json. `measure=False` skips the per-corpus
    figures here: `voxindex eval --suite real --task sentiment` measures the shipped artifact
    through the runtime, and its output is what the README and the model card quote."""
    torch.set_num_threads(2)
    ckpt = torch.load(run_dir / "best.pt", weights_only=False)
    layer = int(ckpt["layer"])
    cached = precompute.cached_layer(cache, SELECTION[0])
    frozen, branch = build(cached, layer)
    branch.load_state_dict(ckpt["branch"])
    branch.eval()

    cal_rows = corpora.load_rows(root, corpora.ALL[CALIBRATION])
    cal_states, _ = precompute.load_cached(cache, CALIBRATION, cached)
    cal_logits = predict_logits(frozen, branch, cal_states)
    cal_gold = np.array([corpora.LABEL_INDEX[r["label"]] for r in cal_rows])
    temperature = fit_temperature(cal_logits, cal_gold)
    branch.temperature.fill_(temperature)
    log(f"temperature {temperature}")

    artifact.mkdir(parents=True, exist_ok=True)
    tmp = run_dir / "export"
    tmp.mkdir(exist_ok=True)
    fp32, int8 = tmp / "sentiment-branch.fp32.onnx", tmp / "sentiment-branch.int8.onnx"
    export_onnx(branch, fp32)
    quantize(fp32, int8)

    # int8 vs fp32 on the calibration split: keep int8 only if quality holds.
    f1 = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        p = onnx_probs(path, frozen, cal_states[:QUANT_CHECK]).argmax(1)
        f1[name] = scores([r["label"] for r in cal_rows[:QUANT_CHECK]], [corpora.LABELS[i] for i in p],
                          n_boot=1)["macro_f1"]["value"]
    chosen = int8 if f1["int8"] >= f1["fp32"] - 0.005 else fp32
    log(f"macro-F1 on {CALIBRATION}: fp32 {f1['fp32']} int8 {f1['int8']} -> {chosen.name}")
    for old in artifact.glob("*.onnx"):
        old.unlink()
    shutil.copy(chosen, artifact / chosen.name)

    metrics: dict = {"layer": layer, "temperature": temperature, "onnx": chosen.name,
                     "quantization": {"fp32_macro_f1": f1["fp32"], "int8_macro_f1": f1["int8"],
                                      "rows": QUANT_CHECK, "corpus": CALIBRATION},
                     "sample": {"limit": limit, "seed": seed}, "training": _history(run_dir),
                     "corpora": {}}
    for spec in corpora.DEV if measure else ():
        if spec.task == "intent":
            continue
        rows = corpora.load_rows(root, spec)
        keep = corpora.sample_rows(rows, limit, seed)
        rows = [rows[i] for i in keep]
        states = sample_states(cache, spec.name, cached, keep, [r["text"] for r in rows])
        probs = onnx_probs(artifact / chosen.name, frozen, states)
        np.save(run_dir / f"probs-{spec.name}.npy", probs)  # the lexicon ablation reuses them
        model_labels = [corpora.LABELS[i] for i in probs.argmax(1)]
        gold, pm = gold_and_pred(spec, model_labels, rows)
        texts = [r["text"] for r in rows]
        _, pr = gold_and_pred(spec, rules_labels(texts), rows)
        _, pl = gold_and_pred(spec, lexicon_labels(texts), rows)
        entry = {"n": len(rows), "model": scores(gold, pm), "rules": scores(gold, pr),
                 "lexicon": scores(gold, pl),
                 "constant_macro_f1": round(constant_macro_f1(gold), 4),
                 "note": "complaint = predicted negative" if spec.task == "complaint" else
                 ("calibration split" if spec.name == CALIBRATION else "")}
        metrics["corpora"][spec.name] = entry
        log(f"{spec.name}: model {entry['model']['macro_f1']['value']} rules "
            f"{entry['rules']['macro_f1']['value']} lexicon {entry['lexicon']['macro_f1']['value']}")
    meta = {"layer": layer, "labels": list(corpora.LABELS), "onnx": chosen.name,
            "max_tokens": 96, "temperature": temperature, "encoder": "all-MiniLM-L6-v2",
            "inputs": {"hidden_states": "[n,T,384] float32, encoder hidden_states[layer]",
                       "attention_mask": "[n,T] int64"},
            "output": "probabilities [n,3] (negative, neutral, positive), calibrated"}
    (artifact / "model.json").write_text(json.dumps(meta, indent=1) + "\n")
    (artifact / "metrics.json").write_text(json.dumps(metrics, indent=1) + "\n")
    return metrics


def sample_states(cache: Path, name: str, layer: int, keep: list[int], texts: list[str]) -> list[np.ndarray]:
    """Layer states of the sampled rows: from the cache where training cached the corpus, else
    one encoder pass over the sample alone (the other dev files are never cached whole)."""
    if precompute.is_cached(cache, name):
        states, _ = precompute.load_cached(cache, name, layer)
        return [states[i] for i in keep]
    out = precompute.encoder().encode(texts, hidden_layers=(layer,), embeddings=False)
    n = np.minimum(out.attention_mask.sum(axis=1), 96)
    return [out.hidden[layer][i, :n[i]] for i in range(len(texts))]


def _history(run_dir: Path) -> list:
    path = run_dir / "history.json"
    return json.loads(path.read_text()) if path.exists() else []


def format_metrics(metrics: dict) -> str:
    def cell(v):
        return f"{v['value']:.3f} [{v['lo']:.3f}, {v['hi']:.3f}]"

    head = ["corpus", "n", "metric", "model [95% CI]", "rules [95% CI]", "lexicon [95% CI]", "constant"]
    lines = ["  ".join(head)]
    for name, e in metrics["corpora"].items():
        for m in ("accuracy", "macro_f1"):
            const = f"{e['constant_macro_f1']:.3f}" if m == "macro_f1" else ""
            lines.append("  ".join([f"{name:18}", f"{e['n']:>5}", f"{m:8}", cell(e["model"][m]),
                                    cell(e["rules"][m]), cell(e["lexicon"][m]), const]))
    return "\n".join(lines)


def branch_cost_ms(artifact: Path, n: int = 64, tokens: int = 48, threads: int = 1, reps: int = 5) -> float:
    """Milliseconds for one batch of `n` texts through the branch alone (encoder excluded)."""
    import onnxruntime as ort

    meta = json.loads((artifact / "model.json").read_text())
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(artifact / meta["onnx"]), opts, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((n, tokens, HIDDEN)).astype(np.float32)
    m = np.ones((n, tokens), np.int64)
    sess.run(None, {"hidden_states": x, "attention_mask": m})
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        sess.run(None, {"hidden_states": x, "attention_mask": m})
        times.append((time.perf_counter() - t0) * 1000)
    return round(float(np.median(times)), 1)
