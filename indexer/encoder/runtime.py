"""One place that opens ONNX models: the same session options for every model the pipeline runs.

`load_session(path, threads)` gives an `onnxruntime.InferenceSession` (cached per path and thread
count in this process); `OnnxModel` is the small generic wrapper another model (a sentiment or
classification head, say) uses to run through the same runtime as the encoder.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

_LOCK = threading.Lock()
_SESSIONS: dict[tuple[str, int], Any] = {}


def session_options(threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1  # the graphs here are one chain: parallelism is inside the ops
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # threads that spin waiting for work burn the CPU Elasticsearch and the other stages need
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    # Fusing each residual Add into the next LayerNorm (SkipLayerNormalization, a contrib kernel)
    # made the encoder 6-9 % slower here in fp32 and int8 (texts/s, 1,024 tweets, alternated runs);
    # the torch-traced graph it replaced never matched that fusion, so nothing else changes
    opts.add_session_config_entry("optimization.disable_specified_optimizers", "SkipLayerNormFusion")
    opts.log_severity_level = 3
    return opts


def load_session(path: str | Path, threads: int = 1):
    """The (process-wide, cached) session for an ONNX file, on the CPU."""
    import onnxruntime as ort

    key = (str(Path(path).resolve()), max(1, int(threads)))
    with _LOCK:
        if key not in _SESSIONS:
            _SESSIONS[key] = ort.InferenceSession(key[0], sess_options=session_options(key[1]),
                                                  providers=["CPUExecutionProvider"])
        return _SESSIONS[key]


@dataclass
class OnnxModel:
    """Any ONNX file run with the shared session options: `model(inputs, outputs=None)`."""

    path: Path
    threads: int = 1

    @property
    def session(self):
        return load_session(self.path, self.threads)

    @property
    def input_names(self) -> list[str]:
        return [i.name for i in self.session.get_inputs()]

    @property
    def output_names(self) -> list[str]:
        return [o.name for o in self.session.get_outputs()]

    def __call__(self, inputs: dict[str, np.ndarray], outputs: list[str] | None = None) -> dict[str, np.ndarray]:
        names = outputs or self.output_names
        return dict(zip(names, self.session.run(names, inputs)))


def loaded_sessions() -> list[str]:
    """Paths of the sessions open in this process (for /healthz and the benches)."""
    with _LOCK:
        return sorted({p for p, _ in _SESSIONS})
