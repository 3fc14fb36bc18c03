"""The encoder: texts -> MiniLM sentence vectors (and, on request, token states of any layer).

Three interchangeable kinds, chosen by `VOXINDEX_ENCODER`:
- `fp32`  ONNX Runtime on the graph written from the weights (`graph.py`; numerically the torch model; default);
- `int8`  ONNX Runtime, MatMul weights dynamically quantized per channel, activations per token
          (`quantize.py`: a text's vector does not depend on its batch-mates): ~1.1-1.2x the
          encoder's speed, cosine 0.998 to the reference, within 0.01 on every quality gate; it
          saves the whole pipeline no CPU, so it is opt-in (README "Measured speed");
- `torch` the transformers model itself: the reference the other two are measured against
          (needs the optional torch extra: `require_torch`).

Texts are tokenized by the fast tokenizer, sorted by token count and run in batches of
`batch_size`, so a batch pads little; results come back in the caller's order.
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .tokenize import MAX_TOKENS, Tokenizer
from .weights import model_dir

DIMS = 384
KINDS = ("int8", "fp32", "torch")
TORCH_EXTRA = "pip install -e '.[torch]' (torch and transformers; `make test` installs them too)"


def torch_available() -> bool:
    """Whether the optional torch extra is installed (found without importing it)."""
    from importlib.util import find_spec

    return find_spec("torch") is not None and find_spec("transformers") is not None


def require_torch(what: str) -> None:
    """Stop with what to install when `what` needs the torch extra the runtime does without."""
    if not torch_available():
        raise RuntimeError(f"{what} needs torch and transformers, which the runtime install leaves out: {TORCH_EXTRA}")


@dataclass
class EncoderOutput:
    embeddings: np.ndarray  # (n, 384) float32, L2-normalized mean of the last layer's token states
    attention_mask: np.ndarray  # (n, T) int64, T = longest text of the call (0 when no hidden states)
    hidden: dict[int, np.ndarray] = field(default_factory=dict)  # layer k -> (n, T, 384), HF hidden_states[k]
    offsets: list[list[tuple[int, int]]] = field(default_factory=list)  # per text, per real token: chars
    # with encode(..., trimmed=True): layer k -> one (T_i, 384) array of real tokens per text, instead of
    # `hidden` (no n x longest x 384 block: 500 texts, one of them 256 tokens long, made that 196 MB)
    trimmed: dict[int, list[np.ndarray]] = field(default_factory=dict)


def _length_order(lengths: list[int]) -> list[int]:
    return sorted(range(len(lengths)), key=lambda i: lengths[i])


class Encoder:
    """Base: length-sorted batching and reassembly; subclasses run one batch."""

    kind = "base"

    def __init__(self, model_dir: Path, batch_size: int = 64):
        self.model_dir = Path(model_dir)
        self.batch_size = max(1, batch_size)
        self.tokenizer = Tokenizer(self.model_dir, MAX_TOKENS)

    def _run(self, batch, outputs: list[str]) -> list[np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def encode(self, texts: list[str], hidden_layers: tuple[int, ...] | list[int] = (),
               embeddings: bool = True, max_tokens: int | None = None, trimmed: bool = False) -> EncoderOutput:
        """`embeddings=False` with hidden layers runs only the layers up to the highest of them (a
        prefix graph: a branch off layer L costs L/6 of a pass, not a whole one). `max_tokens`
        truncates shorter than MAX_TOKENS (a head trained on fewer word pieces sees what it was
        trained on, and long texts cost less)."""
        texts = list(texts)
        n = len(texts)
        layers = tuple(int(k) for k in hidden_layers)
        for k in layers:
            if not 0 <= k <= 6:
                raise ValueError(f"hidden layer {k} does not exist (0 = embedding output .. 6 = last)")
        if n == 0:
            return EncoderOutput(np.zeros((0, DIMS), np.float32), np.zeros((0, 0), np.int64),
                                 {k: np.zeros((0, 0, DIMS), np.float32) for k in layers}, [])
        order = _length_order(self.tokenizer.lengths(texts))
        vectors = np.zeros((n, DIMS), dtype=np.float32)
        parts: list[tuple[list[int], object, list[np.ndarray]]] = []
        if not (embeddings or layers):
            raise ValueError("encode() needs embeddings or at least one hidden layer")
        head = ["embedding"] if embeddings else []
        outputs = [*head, *(f"hidden_{k}" for k in layers)]
        kept: dict[int, list] = {k: [None] * n for k in layers}
        for i in range(0, n, self.batch_size):
            idx = order[i : i + self.batch_size]
            batch = self.tokenizer([texts[j] for j in idx], max_tokens)
            res = self._run(batch, outputs)
            if head:
                vectors[idx] = res[0]
            if layers and trimmed:
                real = batch.attention_mask.sum(axis=1)
                for k, states in zip(layers, res[len(head):]):
                    for j, row, t in zip(idx, states, real):
                        kept[k][j] = row[: int(t)].copy()  # a copy: the batch's block is freed
            elif layers:
                parts.append((idx, batch, res[len(head):]))
        out = EncoderOutput(vectors, np.zeros((n, 0), np.int64))
        if trimmed:
            out.trimmed = kept
        elif layers:
            width = max(b.input_ids.shape[1] for _, b, _ in parts)
            out.attention_mask = np.zeros((n, width), np.int64)
            out.hidden = {k: np.zeros((n, width, DIMS), np.float32) for k in layers}
            out.offsets = [[] for _ in range(n)]
            for idx, batch, states in parts:
                t = batch.input_ids.shape[1]
                out.attention_mask[idx, :t] = batch.attention_mask
                for k, s in zip(layers, states):
                    out.hidden[k][idx, :t] = s
                for j, offs in zip(idx, batch.offsets):
                    out.offsets[j] = offs
        return out

    def __call__(self, texts: list[str]) -> np.ndarray:
        return self.encode(texts).embeddings


class OrtEncoder(Encoder):
    def __init__(self, model_dir: Path, onnx_path: Path, kind: str, threads: int, batch_size: int = 64,
                 models_dir: Path | None = None):
        super().__init__(model_dir, batch_size)
        from .runtime import load_session

        self.kind = kind
        self.threads = threads
        self.onnx_path = Path(onnx_path)
        self.models_dir = Path(models_dir) if models_dir is not None else self.onnx_path.parent
        self.session = load_session(self.onnx_path, threads)
        self._prefix: dict[int, object] = {}

    def prefix_session(self, layer: int):
        """The session of the graph cut after `layer` (exported from this one on first use). Kept
        here: finding the file hashes the weights (~0.25 s), not something to do per batch."""
        session = self._prefix.get(layer)
        if session is None:
            from .export import ensure_prefix
            from .runtime import load_session

            session = load_session(ensure_prefix(self.models_dir, self.model_dir, self.kind, layer), self.threads)
            self._prefix[layer] = session
        return session

    def _run(self, batch, outputs: list[str]) -> list[np.ndarray]:
        # one layer's states alone (a branch's input): the prefix graph stops there; several
        # layers (tests, training tools) come from the full graph
        if len(outputs) == 1 and outputs[0] != "embedding" and int(outputs[0].split("_")[1]) < 6:
            return self.prefix_session(int(outputs[0].split("_")[1])).run(outputs, batch.feeds())
        return self.session.run(outputs, batch.feeds())


class TorchEncoder(Encoder):
    """The reference: transformers + torch, exactly the pre-ONNX code path."""

    kind = "torch"

    def __init__(self, model_dir: Path, threads: int, batch_size: int = 64):
        require_torch("VOXINDEX_ENCODER=torch (the reference encoder)")
        super().__init__(model_dir, batch_size)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from transformers import AutoModel

        torch.set_num_threads(max(1, threads))
        self.model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
        self.model.eval()

    def _run(self, batch, outputs: list[str]) -> list[np.ndarray]:
        import torch

        feeds = {k: torch.from_numpy(v) for k, v in batch.feeds().items()}
        want_hidden = any(o != "embedding" for o in outputs)
        with torch.inference_mode():
            res = self.model(**feeds, output_hidden_states=want_hidden)
            last = res.last_hidden_state
            mask = feeds["attention_mask"].unsqueeze(-1).to(last.dtype)
            pooled = (last * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            emb = torch.nn.functional.normalize(pooled, p=2, dim=1).numpy()
            # in the order asked for, as ONNX Runtime returns them
            return [emb if o == "embedding" else res.hidden_states[int(o.split("_")[1])].numpy() for o in outputs]


_LOCK = threading.Lock()
_ENCODERS: dict[tuple, Encoder] = {}


def get_encoder(settings=None, kind: str | None = None) -> Encoder:
    """One encoder per (kind, threads, models directory) per process. ONNX files are exported on
    first use into the models directory (`VOXINDEX_MODELS_DIR`, default `<VOXINDEX_HOME>/models`)."""
    from voxindex.config import get_settings

    s = settings or get_settings()
    kind = kind or s.encoder
    if kind not in KINDS:
        raise ValueError(f"VOXINDEX_ENCODER={kind!r}: one of {', '.join(KINDS)}")
    threads = s.torch_threads if kind == "torch" else s.encoder_threads
    key = (kind, threads, str(s.models_dir), s.encoder_batch)
    with _LOCK:
        if key not in _ENCODERS:
            mdir = model_dir()
            if kind == "torch":
                _ENCODERS[key] = TorchEncoder(mdir, threads, s.encoder_batch)
            else:
                from .export import ensure_model

                path = ensure_model(Path(s.models_dir), mdir, kind)
                _ENCODERS[key] = OrtEncoder(mdir, path, kind, threads, s.encoder_batch, Path(s.models_dir))
        return _ENCODERS[key]


def loaded_encoders() -> list[str]:
    with _LOCK:
        return sorted({k[0] for k in _ENCODERS})
