"""The MiniLM ONNX graph written out directly from the weights: no torch, no transformers.

The runtime needs torch for one thing only, tracing the model into ONNX once, and torch from PyPI
brings its CUDA libraries with it (4.5 GB of a 6.5 GB venv, and most of a fresh install's
download on a machine that has no GPU). A BERT encoder is a short, fixed list of operators, so
this module builds that list with `onnx.helper` from `model.safetensors` and `config.json`:
embeddings (word + position + token type, LayerNorm), then per layer self-attention with the
additive padding mask, output projection, residual + LayerNorm, the exact (erf) GELU feed-forward,
residual + LayerNorm; mean pooling over the mask and L2 normalization on top. Node names follow
the torch exporter's (`/bert/encoder/layer.{i}/output/dense/MatMul`, ...), which the int8
recipe reads (`export.ffn_output_matmuls`).

Outputs and their meaning are the traced graph's: `embedding` and `hidden_0` .. `hidden_N`, equal
to Hugging Face's `output_hidden_states[k]`. tests/test_encoder.py holds it to the torch model
(cosine >= 0.9999, hidden states to 1e-4) whenever torch is installed (the test extra).
"""
from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Pure reader of the safetensors format (8-byte header length, JSON header, raw little-endian
    data): tensor name -> array. Prefixes such as `bert.` are left as they are."""
    raw = Path(path).read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    data = memoryview(raw)[8 + size:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if spec["dtype"] not in _DTYPES:
            raise ValueError(f"{path}: tensor {name} has dtype {spec['dtype']}, not one of {sorted(_DTYPES)}")
        start, end = spec["data_offsets"]
        arr = np.frombuffer(data[start:end], dtype=_DTYPES[spec["dtype"]]).reshape(spec["shape"])
        out[name] = arr.astype(np.float32) if arr.dtype != np.int64 else arr
    return out


def _weights(model_dir: Path) -> dict[str, np.ndarray]:
    path = Path(model_dir) / "model.safetensors"
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: the exporter reads the bundled safetensors weights")
    tensors = read_safetensors(path)
    # sentence-transformers saves BertModel's own names; a BertFor* checkpoint prefixes them
    return {k.removeprefix("bert."): v for k, v in tensors.items()}


class _Builder:
    def __init__(self) -> None:
        from onnx import helper

        self.h = helper
        self.nodes: list = []
        self.inits: list = []
        self._names: set[str] = set()

    def const(self, name: str, value) -> str:
        """An initializer, added once per name: every layer asks for the same scalars and shapes."""
        from onnx import numpy_helper

        if name not in self._names:
            self._names.add(name)
            self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, output: str | None = None, **attrs) -> str:
        out = output or f"{name}_output_0"
        self.nodes.append(self.h.make_node(op_type, inputs, [out], name=name, **attrs))
        return out

    def linear(self, x: str, w: np.ndarray, b: np.ndarray, scope: str, key: str) -> str:
        # torch's Linear is x @ W.T + b: the exporter's MatMul takes W.T as its initializer
        wt = self.const(f"{key}.weight.T", np.ascontiguousarray(w.T))
        y = self.op("MatMul", [x, wt], f"{scope}/MatMul")
        return self.op("Add", [self.const(f"{key}.bias", b), y], f"{scope}/Add")

    def layer_norm(self, x: str, w: dict, key: str, scope: str, eps: float, output: str | None = None) -> str:
        return self.op("LayerNormalization", [x, self.const(f"{key}.weight", w[f"{key}.weight"]),
                                              self.const(f"{key}.bias", w[f"{key}.bias"])],
                       f"{scope}/LayerNormalization", output, axis=-1, epsilon=eps)


@dataclass(frozen=True)
class _Dims:
    hidden: int
    heads: int
    eps: float


def build(model_dir: Path, opset: int = 17):
    """The encoder as an `onnx.ModelProto` (inputs input_ids / attention_mask / token_type_ids,
    int64 [batch, tokens]; outputs embedding [batch, 384] and hidden_0..hidden_N [batch, tokens, 384])."""
    from onnx import TensorProto, helper

    cfg = json.loads((Path(model_dir) / "config.json").read_text())
    if cfg.get("model_type") != "bert" or cfg.get("hidden_act") != "gelu" \
            or cfg.get("position_embedding_type", "absolute") != "absolute":
        raise ValueError(f"{model_dir}: the graph writer knows BERT with absolute positions and exact GELU only")
    w = _weights(model_dir)
    dims = _Dims(int(cfg["hidden_size"]), int(cfg["num_attention_heads"]), float(cfg.get("layer_norm_eps", 1e-12)))
    layers = int(cfg["num_hidden_layers"])
    b = _Builder()
    h = _embeddings(b, w, dims)
    bias = _mask_bias(b)
    for i in range(layers):
        h = _layer(b, w, h, bias, i, dims)
    _pooled(b, h)

    ids = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"])
           for n in ("input_ids", "attention_mask", "token_type_ids")]
    outs = [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dims.hidden])]
    outs += [helper.make_tensor_value_info(f"hidden_{j}", TensorProto.FLOAT, ["batch", "tokens", dims.hidden])
             for j in range(layers + 1)]
    graph = helper.make_graph(b.nodes, "all-minilm-l6-v2", ids, outs, b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="voxindex")
    model.ir_version = 8  # what onnxruntime >= 1.17 reads for opset 17
    return model


def _embeddings(b: _Builder, w: dict, dims: _Dims) -> str:
    """Word + token type + position (0..T-1 of the batch's width) embeddings, LayerNorm: hidden_0."""
    e = "/bert/embeddings"

    def table(name: str, index: str) -> str:
        key = f"embeddings.{name}.weight"
        return b.op("Gather", [b.const(key, w[key]), index], f"{e}/{name}/Gather")

    width = b.op("Gather", [b.op("Shape", ["input_ids"], f"{e}/Shape"), b.const("c_one_i64", np.int64(1))], f"{e}/Gather")
    positions = b.op("Range", [b.const("c_zero_i64", np.int64(0)), width, b.const("c_one_i64", np.int64(1))], f"{e}/Range")
    summed = b.op("Add", [table("word_embeddings", "input_ids"), table("token_type_embeddings", "token_type_ids")], f"{e}/Add")
    summed = b.op("Add", [summed, table("position_embeddings", positions)], f"{e}/Add_1")
    return b.layer_norm(summed, w, "embeddings.LayerNorm", f"{e}/LayerNorm", dims.eps, "hidden_0")


def _mask_bias(b: _Builder) -> str:
    """[batch, 1, 1, T]: 0 on real tokens, float32 min on padding (Hugging Face's eager path)."""
    from onnx import TensorProto

    maskf = b.op("Cast", ["attention_mask"], "/bert/Cast", to=TensorProto.FLOAT)
    inverted = b.op("Sub", [b.const("c_one_f", np.float32(1.0)), maskf], "/bert/Sub")
    bias = b.op("Mul", [inverted, b.const("c_min_f", np.float32(np.finfo(np.float32).min))], "/bert/Mul")
    return b.op("Unsqueeze", [bias, b.const("c_axes_12", np.array([1, 2], np.int64))], "/bert/Unsqueeze")


def _layer(b: _Builder, w: dict, h: str, bias: str, i: int, dims: _Dims) -> str:
    """One encoder layer on `h`: self-attention, output projection, residual + LayerNorm, GELU
    feed-forward, residual + LayerNorm. Returns hidden_{i+1}."""
    s, k = f"/bert/encoder/layer.{i}", f"encoder.layer.{i}"
    d, dh = dims.hidden, dims.hidden // dims.heads
    split = b.const("c_heads_shape", np.array([0, 0, dims.heads, dh], np.int64))

    def dense(x: str, name: str) -> str:
        return b.linear(x, w[f"{k}.{name}.weight"], w[f"{k}.{name}.bias"], f"{s}/{name.replace('.', '/')}", f"{k}.{name}")

    def heads(name: str, perm: list[int]) -> str:
        y = b.op("Reshape", [dense(h, f"attention.self.{name}"), split], f"{s}/attention/self/{name}/Reshape")
        return b.op("Transpose", [y], f"{s}/attention/self/{name}/Transpose", perm=perm)

    att = f"{s}/attention/self"
    scores = b.op("MatMul", [heads("query", [0, 2, 1, 3]), heads("key", [0, 2, 3, 1])], f"{att}/MatMul")
    scores = b.op("Mul", [scores, b.const("c_scale", np.float32(1.0 / np.sqrt(dh)))], f"{att}/Mul")
    probs = b.op("Softmax", [b.op("Add", [scores, bias], f"{att}/Add")], f"{att}/Softmax", axis=-1)
    ctx = b.op("Transpose", [b.op("MatMul", [probs, heads("value", [0, 2, 1, 3])], f"{att}/MatMul_1")],
               f"{att}/Transpose_3", perm=[0, 2, 1, 3])
    ctx = b.op("Reshape", [ctx, b.const("c_merge_shape", np.array([0, 0, d], np.int64))], f"{att}/Reshape_3")
    y = b.op("Add", [dense(ctx, "attention.output.dense"), h], f"{s}/attention/output/Add")
    a = b.layer_norm(y, w, f"{k}.attention.output.LayerNorm", f"{s}/attention/output/LayerNorm", dims.eps)
    x = dense(a, "intermediate.dense")
    # exact GELU, in the traced graph's order: x * (erf(x / sqrt 2) + 1) * 0.5
    act = f"{s}/intermediate/intermediate_act_fn"
    g = b.op("Erf", [b.op("Div", [x, b.const("c_sqrt2", np.float32(np.sqrt(2.0)))], f"{act}/Div")], f"{act}/Erf")
    g = b.op("Add", [g, b.const("c_one_f", np.float32(1.0))], f"{act}/Add")
    g = b.op("Mul", [b.op("Mul", [x, g], f"{act}/Mul"), b.const("c_half", np.float32(0.5))], f"{act}/Mul_1")
    y = b.op("Add", [dense(g, "output.dense"), a], f"{s}/output/Add")
    return b.layer_norm(y, w, f"{k}.output.LayerNorm", f"{s}/output/LayerNorm", dims.eps, f"hidden_{i + 1}")


def _pooled(b: _Builder, h: str) -> str:
    """Mean over real tokens, then L2 normalization (sentence-transformers' recipe): `embedding`."""
    from onnx import TensorProto

    m = b.op("Unsqueeze", ["attention_mask", b.const("c_axes_last", np.array([-1], np.int64))], "/Unsqueeze")
    m = b.op("Cast", [m], "/Cast", to=TensorProto.FLOAT)
    axis1 = b.const("c_axes_1", np.array([1], np.int64))
    total = b.op("ReduceSum", [b.op("Mul", [h, m], "/Mul"), axis1], "/ReduceSum", keepdims=0)
    count = b.op("ReduceSum", [m, axis1], "/ReduceSum_1", keepdims=0)
    pooled = b.op("Div", [total, b.op("Clip", [count, b.const("c_1e-9", np.float32(1e-9))], "/Clip")], "/Div")
    norm = b.op("ReduceL2", [pooled], "/ReduceL2", axes=[1], keepdims=1)
    norm = b.op("Clip", [norm, b.const("c_1e-12", np.float32(1e-12))], "/Clip_1")
    return b.op("Div", [pooled, norm], "/Div_1", "embedding")


def write(model_dir: Path, out: Path, opset: int = 17) -> None:
    import onnx

    model = build(model_dir, opset)
    onnx.checker.check_model(model)
    onnx.save(model, str(out))
