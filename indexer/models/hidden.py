"""Layer-L token states of the frozen shared encoder (all-MiniLM-L6-v2).

The sentiment branch consumes `output_hidden_states[L]` (layer 0 = embeddings output) plus the
attention mask. At inference they come from the shared encoder runtime
(`encoder_hidden_states`: ONNX Runtime, which computes only the layers up to L); training keeps the
transformers/torch path below (`hidden_states`), which runs only the first L layers. Both give
Hugging Face's `output_hidden_states[L]` (tests/test_encoder.py checks the encoder against it).
"""
from __future__ import annotations

import os
import threading
from typing import Sequence

import numpy as np

MAX_TOKENS = 96  # customer messages are short; the branch was trained on at most 96 word pieces
_LOCK = threading.Lock()
_MODELS: dict[tuple[int, int], tuple[object, object]] = {}


def _load(layer: int, threads: int):
    key = (layer, threads)
    with _LOCK:
        if key not in _MODELS:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            import torch
            from transformers import AutoModel, AutoTokenizer

            from indexer.enrich.embed import model_dir

            torch.set_num_threads(max(1, threads))
            path = str(model_dir())
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModel.from_pretrained(path, local_files_only=True)
            # Only the frozen lower layers run here: layers above L belong to the branch.
            model.encoder.layer = model.encoder.layer[:layer]
            model.eval()
            _MODELS[key] = (tokenizer, model)
        return _MODELS[key]


def hidden_states_multi(texts: Sequence[str], layers: Sequence[int], *,
                        max_tokens: int = MAX_TOKENS, threads: int | None = None
                        ) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """Token states at each of `layers` ([n,T,384] float32) and the attention mask [n,T] int64."""
    import torch

    if threads is None:
        from voxindex.config import get_settings

        threads = get_settings().torch_threads
    top = max(layers)
    tokenizer, model = _load(top, threads)
    enc = tokenizer(list(texts), padding=True, truncation=True, max_length=max_tokens,
                    return_tensors="pt")
    with torch.inference_mode():
        out = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                    token_type_ids=enc.get("token_type_ids"), output_hidden_states=True)
    states = {l: out.hidden_states[l].float().numpy() for l in layers}
    return states, enc["attention_mask"].numpy().astype(np.int64)


def hidden_states(texts: Sequence[str], layer: int, *, max_tokens: int = MAX_TOKENS,
                  threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(states [n,T,384] float32, attention_mask [n,T] int64) at encoder layer `layer`."""
    if not texts:
        return np.zeros((0, 1, 384), np.float32), np.zeros((0, 1), np.int64)
    states, mask = hidden_states_multi(texts, (layer,), max_tokens=max_tokens, threads=threads)
    return states[layer], mask


def encoder_hidden_states(texts: Sequence[str], layer: int, settings=None) -> tuple[np.ndarray, np.ndarray]:
    """The same contract through the pipeline's one encoder runtime (`indexer.encoder`)."""
    if not texts:
        return np.zeros((0, 1, 384), np.float32), np.zeros((0, 1), np.int64)
    from indexer.encoder import get_encoder

    out = get_encoder(settings).encode(list(texts), hidden_layers=(layer,), embeddings=False)
    return out.hidden[layer], out.attention_mask
