"""The encoder runtime: every model the pipeline runs goes through here.

- `get_encoder(settings) -> Encoder`; `Encoder.encode(texts, hidden_layers=()) -> EncoderOutput`
  with `.embeddings` (n x 384, L2-normalized), `.hidden[k]` (n x T x 384, HF hidden_states[k]),
  `.attention_mask` (n x T) and `.offsets` (character span of each token).
- `OnnxModel(path, threads)` / `load_session(path, threads)`: any other ONNX file, same options.
- `export.ensure_model(...)`: the local ONNX export (fp32) and its int8 quantization, cached.

Run-time inference imports onnxruntime, tokenizers and numpy only, and the export needs onnx alone
(`graph.py` writes the graph from the weights). torch is an optional extra (`pip install -e
'.[torch]'`, part of the test extra): the `torch` reference kind and model training use it.
"""
from .encoder import DIMS, KINDS, Encoder, EncoderOutput, get_encoder, loaded_encoders, require_torch, torch_available
from .runtime import OnnxModel, load_session, loaded_sessions

__all__ = ["DIMS", "KINDS", "Encoder", "EncoderOutput", "OnnxModel", "get_encoder", "load_session",
           "loaded_encoders", "loaded_sessions", "require_torch", "torch_available"]
