"""Cache the frozen encoder's layer-L token states for every corpus, once (fp16, resumable).

The lower layers never train, so their output is a pure function of the text: computing it once
turns branch training into a pass over the upper layers only. Each chunk of texts is written as
one .npz (packed tokens, lengths), so an interrupted run resumes at the first missing chunk.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from indexer.models import corpora
from indexer.models.hidden import MAX_TOKENS

CHUNK = 1024
# One layer is cached, the one the branch reads (L=4 by default, the cheaper branch #11 asks for):
# caching a lower layer instead would make every epoch pay the frozen layers in between again.
DEFAULT_LAYER = 4
LAYERS = (DEFAULT_LAYER,)


def chunk_path(cache: Path, name: str, i: int) -> Path:
    return cache / name / f"chunk_{i:05d}.npz"


def encoder(settings=None):
    """fp32 whatever the deployment runs: training reads the reference states (torch's to 1e-7),
    so a model trains the same on any machine and its int8 serving is measured against them."""
    from indexer.encoder import get_encoder

    return get_encoder(settings, "fp32")


def precompute_corpus(root: Path, cache: Path, spec: corpora.CorpusSpec, *, layers=LAYERS,
                      settings=None, log=print, **_ignored) -> None:
    rows = corpora.load_rows(root, spec)
    texts = [r["text"] for r in rows]
    (cache / spec.name).mkdir(parents=True, exist_ok=True)
    n_chunks = (len(texts) + CHUNK - 1) // CHUNK
    for ci in range(n_chunks):
        out = chunk_path(cache, spec.name, ci)
        if out.exists():
            continue
        t0 = time.time()
        part = texts[ci * CHUNK:(ci + 1) * CHUNK]
        # The pipeline's own encoder runtime (ONNX, fp32 here: numerically the torch model,
        # ~5x faster here) computes only the layers up to the cached one, length-sorted. States are
        # cut to MAX_TOKENS after the pass, exactly as the served branch cuts them.
        out_enc = encoder(settings).encode(part, hidden_layers=tuple(layers), embeddings=False)
        lengths = np.minimum(out_enc.attention_mask.sum(axis=1), MAX_TOKENS).astype(np.int32)
        packed = {l: [out_enc.hidden[l][i, :lengths[i]].astype(np.float16) for i in range(len(part))]
                  for l in layers}
        arrays = {f"L{l}": np.concatenate(packed[l]) for l in layers}
        tmp = out.with_suffix(".tmp.npz")
        np.savez(tmp, lengths=lengths, **arrays)
        tmp.rename(out)
        log(f"{spec.name} chunk {ci + 1}/{n_chunks} ({len(part)} texts) {time.time() - t0:.1f}s")
    meta = {"rows": len(texts), "chunks": n_chunks, "layers": list(layers), "max_tokens": MAX_TOKENS}
    (cache / spec.name / "meta.json").write_text(json.dumps(meta))


def composed_path(cache: Path, name: str) -> Path:
    return cache / name / "composed.npz"


def precompute_composed(root: Path, cache: Path, spec: corpora.CorpusSpec, *, layer: int = DEFAULT_LAYER,
                        settings=None, log=print) -> None:
    """For each row the segment stage would plan (`segment.candidates`), the branch input the
    sentences path gives it at ingest (`Embedder.compose_states`): every sentence encoded on its
    own, their layer-L states side by side, cut to MAX_TOKENS. Stored as (row index, states)."""
    from indexer.enrich.embed import side_by_side
    from indexer.enrich.segment import candidates

    out = composed_path(cache, spec.name)
    if out.exists():
        return
    t0 = time.time()
    rows = corpora.load_rows(root, spec)
    planned = [(i, candidates(r["text"])) for i, r in enumerate(rows)]
    planned = [(i, sentences) for i, (sentences, todo) in planned if todo]
    flat = [s for _, sentences in planned for s in sentences]
    enc = encoder(settings).encode(flat, hidden_layers=(layer,), embeddings=False, trimmed=True) if flat else None
    states = enc.trimmed[layer] if enc is not None else []
    packed, lengths, at = [], [], 0
    for _, sentences in planned:
        joined = side_by_side(states[at:at + len(sentences)], MAX_TOKENS)
        at += len(sentences)
        packed.append(joined.astype(np.float16))
        lengths.append(len(joined))
    (cache / spec.name).mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp.npz")
    np.savez(tmp, rows=np.array([i for i, _ in planned], np.int64), lengths=np.array(lengths, np.int32),
             states=np.concatenate(packed) if packed else np.zeros((0, 384), np.float16))
    tmp.rename(out)
    log(f"{spec.name}: composed inputs for {len(planned)} of {len(rows)} rows ({len(flat)} sentences) "
        f"{time.time() - t0:.1f}s")


def load_composed(cache: Path, name: str) -> tuple[np.ndarray, list[np.ndarray]]:
    """(row indices, their composed fp16 [len,384] states) written by precompute_composed."""
    with np.load(composed_path(cache, name)) as z:
        rows, lengths, flat = z["rows"], z["lengths"], z["states"]
    offs = np.concatenate([[0], np.cumsum(lengths)])
    return rows, [flat[offs[i]:offs[i + 1]] for i in range(len(lengths))]


def load_cached(cache: Path, name: str, layer: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-text token-state arrays (fp16 [len,384]) and lengths for one cached corpus."""
    meta = json.loads((cache / name / "meta.json").read_text())
    seqs: list[np.ndarray] = []
    lens = []
    for ci in range(meta["chunks"]):
        with np.load(chunk_path(cache, name, ci)) as z:
            lengths = z["lengths"]
            flat = z[f"L{layer}"]
        offs = np.concatenate([[0], np.cumsum(lengths)])
        seqs.extend(flat[offs[i]:offs[i + 1]] for i in range(len(lengths)))
        lens.append(lengths)
    return seqs, np.concatenate(lens)


def is_cached(cache: Path, name: str) -> bool:
    return (cache / name / "meta.json").exists()


def cached_layer(cache: Path, name: str) -> int:
    """The (lowest) encoder layer a corpus was cached at; branches read it or a higher one."""
    return min(json.loads((cache / name / "meta.json").read_text())["layers"])


def cache_order(train=None, dev=None) -> list[corpora.CorpusSpec]:
    """Selection dev files and the train mix first (all that training needs), small files first
    so a time-boxed run can start early; the other dev files are measured on the fly at release."""
    train = corpora.TRAIN if train is None else train
    dev = [corpora.ALL[n] for n in corpora.SELECTION] if dev is None else dev
    return list(dev) + sorted(train, key=lambda s: s.name == "semeval-tweets")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpora", type=Path, required=True)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--layer", type=int, default=DEFAULT_LAYER, help="encoder layer to cache")
    args = ap.parse_args(argv)
    for spec in cache_order():
        precompute_corpus(args.corpora, args.cache, spec, layers=(args.layer,), threads=args.threads,
                          log=lambda m: print(m, flush=True))
    print("done", flush=True)


if __name__ == "__main__":
    main()
