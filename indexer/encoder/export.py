"""Turning the bundled MiniLM weights into ONNX files, once, locally (no download).

The exported graph takes `input_ids`, `attention_mask`, `token_type_ids` and returns
`embedding` (mean-pooled over the attention mask, L2-normalized: the vector VoxIndex has always
indexed) plus `hidden_0` .. `hidden_6`, equal to Hugging Face's `output_hidden_states[k]`
(0 = embedding output, 6 = last layer), so other models can branch off intermediate token states.
ONNX Runtime runs the whole graph on every call, so a run that needs only layer L's states uses a
prefix file cut after layer L (`ensure_prefix`), which costs L/6 of a pass.

Files live under `<VOXINDEX_HOME>/models/` named by a hash of the weights and EXPORT_VERSION:
new weights or a changed export recipe produce a new file, never a stale one. Writes go to a
temporary name first and are renamed into place, so a crashed or concurrent export never leaves a
half-written model behind. The fp32 graph is written from the safetensors weights by `graph.py`
(no torch: the runtime installs without it); each step that writes a file runs in a child process
(`in_child`), so the weights' copies and the quantizer's working memory stay out of the process
that then encodes.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

# bump when the graph, its outputs or the quantization recipe change: old files are then ignored
EXPORT_VERSION = "4"  # 3: int8 activations scaled per token (quantize.row_scaled); 4: graph written from the weights (graph.py)
OPSET = 17
N_LAYERS = 6
HIDDEN_OUTPUTS = tuple(f"hidden_{k}" for k in range(N_LAYERS + 1))
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
PRECISIONS = ("fp32", "int8")


def weights_hash(model_dir: Path) -> str:
    """sha1 over the weight and config files: the identity of the model being exported."""
    h = hashlib.sha1()
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        p = model_dir / name
        if p.exists():
            h.update(name.encode())
            with p.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:16]


def model_path(models_dir: Path, model_dir: Path, precision: str) -> Path:
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}; one of {', '.join(PRECISIONS)}")
    key = f"{weights_hash(model_dir)}-e{EXPORT_VERSION}"
    return Path(models_dir) / f"all-minilm-l6-v2-{key}-{precision}.onnx"


def ensure_model(models_dir: Path, model_dir: Path, precision: str) -> Path:
    """The ONNX file for `precision` in `models_dir`, exported (and quantized) now if it is not
    there yet."""
    out = model_path(models_dir, model_dir, precision)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    if precision == "fp32":
        _atomic(out, lambda tmp: export_fp32(model_dir, tmp))
    else:
        fp32 = ensure_model(models_dir, model_dir, "fp32")
        _atomic(out, lambda tmp: quantize_int8(fp32, tmp))
    return out


def prefix_path(models_dir: Path, model_dir: Path, precision: str, layer: int) -> Path:
    full = model_path(models_dir, model_dir, precision)
    return full.with_name(f"{full.stem}-upto{int(layer)}.onnx")


def ensure_prefix(models_dir: Path, model_dir: Path, precision: str, layer: int) -> Path:
    """The graph of `precision` cut after layer `layer`: inputs as the full graph, one output
    `hidden_<layer>`. ONNX Runtime runs every node of a graph whatever a run fetches (measured:
    fetching hidden_1 alone costs as much as the embedding), so a model that branches off layer L
    (the sentiment head) gets this file and pays L/6 of a pass. Extracted from the full file
    (same weights, same quantization), so its states equal the full graph's."""
    if not 0 <= int(layer) < N_LAYERS:
        raise ValueError(f"a prefix ends below the last layer (0..{N_LAYERS - 1}), not {layer}")
    out = prefix_path(models_dir, model_dir, precision, layer)
    if out.exists():
        return out
    full = ensure_model(models_dir, model_dir, precision)
    _atomic(out, lambda tmp: extract_prefix(full, tmp, int(layer)))
    return out


def extract_prefix(full: Path, out: Path, layer: int) -> None:
    in_child("prefix", full, out, layer)


def _extract_prefix(full: Path, out: Path, layer: int) -> None:
    import onnx.utils

    onnx.utils.extract_model(str(full), str(out), list(INPUTS), [f"hidden_{layer}"])


def _atomic(out: Path, write) -> None:
    fd, name = tempfile.mkstemp(prefix=out.stem + ".", suffix=".tmp.onnx", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
        log.info("wrote %s", out)
    finally:
        tmp.unlink(missing_ok=True)


def in_child(step: str, *args) -> None:
    """Run one export step (`STEPS`) in a child Python. The process that asks for a model goes on to
    encode with it; measured on the first `make demo`, which exports inside its ingest: peak RSS
    2.2 GB with the steps in-process (then torch-traced; quantizing alone peaks at 1.2 GB), 1.5 GB
    otherwise, against the issue's 2 GB limit."""
    done = subprocess.run([sys.executable, "-m", __name__, step, *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"ONNX export step {step!r} failed (exit {done.returncode}); its output:\n"
                           f"{done.stderr[-4000:]}")


def export_fp32(model_dir: Path, out: Path) -> None:
    in_child("fp32", model_dir, out)


def _write_fp32(model_dir: Path, out: Path) -> None:
    from .graph import write

    write(model_dir, out, OPSET)


def ffn_output_matmuls(graph_nodes) -> list[str]:
    """Pure: names of each layer's feed-forward output projection (1536 -> 384). Its input is the
    GELU output, whose outliers make 8-bit activations lossy."""
    return [n.name for n in graph_nodes if n.op_type == "MatMul" and "/output/dense/" in n.name
            and "/attention/" not in n.name]


def quantize_int8(fp32: Path, out: Path) -> None:
    in_child("int8", fp32, out)


def _quantize_int8(fp32: Path, out: Path) -> None:
    """Dynamic int8 quantization, per output channel, of the MatMul weights; activations are
    quantized on the fly per token (`quantize.row_scaled`: a text's vector does not depend on its
    batch-mates). Kept fp32: the embedding tables (quantizing their Gather
    moved vectors more than it saved time) and the feed-forward output projections: on 800 real
    short texts that took the cosine to fp32 from mean 0.9928 / min 0.975 to 0.9961 / 0.981
    for about a tenth of the int8 speed-up."""
    import onnx
    from onnxruntime.quantization import QuantType

    from .quantize import quantize_dynamic_rows

    keep = ffn_output_matmuls(onnx.load(str(fp32), load_external_data=False).graph.node)
    quantize_dynamic_rows(fp32, out, per_channel=True, weight_type=QuantType.QInt8,
                          op_types_to_quantize=["MatMul"], nodes_to_exclude=keep)


STEPS: dict[str, Callable[..., None]] = {"fp32": _write_fp32, "int8": _quantize_int8, "prefix": _extract_prefix}

if __name__ == "__main__":  # a step `in_child` runs: python -m indexer.encoder.export STEP ARGS...
    step, *argv = sys.argv[1:]
    STEPS[step](*(int(a) if a.isdigit() else Path(a) for a in argv))
