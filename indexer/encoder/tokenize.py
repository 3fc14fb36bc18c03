"""The fast (Rust) tokenizer of the bundled model, without transformers or torch.

Configured like `AutoTokenizer(...)(texts, padding=True, truncation=True, max_length=256)`:
lower-cased WordPiece, [CLS] ... [SEP], truncated to MAX_TOKENS, padded to the longest text of
the batch. Offsets are character spans in the original text ((0, 0) for special and pad tokens).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model was trained on 128-256 word pieces; longer text is truncated


@dataclass
class Batch:
    input_ids: np.ndarray  # (n, T) int64
    attention_mask: np.ndarray  # (n, T) int64
    token_type_ids: np.ndarray  # (n, T) int64
    offsets: list[list[tuple[int, int]]]  # per text, per real token (no padding)

    def feeds(self) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}


def _padded(path: str, max_tokens: int):
    """A batch tokenizer truncating at `max_tokens` and padding to the batch's longest text:
    tokenizer.json ships fixed padding to 128, replaced with what the model path used."""
    from tokenizers import Tokenizer as Fast

    tok = Fast.from_file(path)
    tok.enable_truncation(max_length=max_tokens)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    return tok


class Tokenizer:
    def __init__(self, model_dir: Path, max_tokens: int = MAX_TOKENS):
        from tokenizers import Tokenizer as Fast

        path = str(Path(model_dir) / "tokenizer.json")
        self._tok = _padded(path, max_tokens)
        # a second, unpadded instance for counting: toggling padding on the shared one would race
        # with API threads tokenizing at the same time
        self._count = Fast.from_file(path)
        self._count.enable_truncation(max_length=max_tokens)
        self._count.no_padding()
        self._path, self.max_tokens = path, max_tokens
        self._shorter: dict[int, object] = {}  # max_tokens -> a padded instance truncating there

    def _truncating_at(self, max_tokens: int | None):
        """The padded tokenizer for a shorter truncation (a model trained on fewer word pieces,
        e.g. the sentiment branch's 96): one instance per length, never toggled, so thread-safe."""
        if max_tokens is None or max_tokens >= self.max_tokens:
            return self._tok
        tok = self._shorter.get(max_tokens)
        if tok is None:
            tok = self._shorter[max_tokens] = _padded(self._path, max_tokens)
        return tok

    def __call__(self, texts: list[str], max_tokens: int | None = None) -> Batch:
        encs = self._truncating_at(max_tokens).encode_batch(list(texts))
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        types = np.asarray([e.type_ids for e in encs], dtype=np.int64)
        offsets = [list(e.offsets[: int(sum(e.attention_mask))]) for e in encs]
        return Batch(ids, mask, types, offsets)

    def lengths(self, texts: list[str]) -> list[int]:
        """Token counts (truncated), for length-sorted batching."""
        return [len(e.ids) for e in self._count.encode_batch(list(texts))]
