"""The shipped sentiment branch at inference: ONNX Runtime over layer-L encoder states.

`models/sentiment/model.json` names the ONNX file, the encoder layer L it reads and the labels;
the graph already divides by the calibrated temperature, so its output is the calibrated
probability of negative / neutral / positive. Loaded lazily once per process, offline.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

ARTIFACT_DIR = Path(__file__).resolve().parent.parent.parent / "models" / "sentiment"
_LOCK = threading.Lock()
_LOADED: dict[tuple[str, int], "SentimentModel"] = {}

HiddenFn = Callable[[Sequence[str], int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float  # calibrated probability of `label`
    probs: tuple[float, float, float]


class SentimentModel:
    def __init__(self, directory: Path = ARTIFACT_DIR, threads: int = 1):
        from indexer.encoder.runtime import load_session

        meta = json.loads((directory / "model.json").read_text())
        self.layer: int = int(meta["layer"])
        self.labels: tuple[str, ...] = tuple(meta["labels"])
        self.max_tokens: int = int(meta.get("max_tokens", 96))
        # the one runtime every model of the pipeline goes through (shared session options, cached)
        self.session = load_session(directory / meta["onnx"], threads)

    def probabilities(self, states: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """[n,T,384] layer-L states + [n,T] mask -> [n,3] calibrated probabilities."""
        if len(states) == 0:
            return np.zeros((0, len(self.labels)), np.float32)
        (probs,) = self.session.run(None, {"hidden_states": states.astype(np.float32, copy=False),
                                           "attention_mask": mask.astype(np.int64, copy=False)})
        return probs

    def predict(self, texts: Sequence[str], hidden: HiddenFn | None = None,
                batch: int = 64) -> list[Prediction]:
        if hidden is None:
            from indexer.models.hidden import encoder_hidden_states as hidden
        out: list[Prediction] = []
        for i in range(0, len(texts), batch):
            states, mask = hidden(list(texts[i:i + batch]), self.layer)
            out.extend(self.decide(p) for p in self.probabilities(states, mask))
        return out

    def decide(self, p: np.ndarray) -> Prediction:
        k = int(np.argmax(p))
        return Prediction(self.labels[k], round(float(p[k]), 3), tuple(round(float(x), 4) for x in p))


def available(directory: Path = ARTIFACT_DIR) -> bool:
    try:
        import onnxruntime  # noqa: F401
    except ModuleNotFoundError:
        return False
    return (directory / "model.json").exists()


def get_model(directory: Path = ARTIFACT_DIR, threads: int = 1) -> SentimentModel:
    key = (str(directory), threads)
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = SentimentModel(directory, threads)
        return _LOADED[key]
