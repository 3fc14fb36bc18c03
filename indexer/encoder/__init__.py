"""The encoder runtime: every model the pipeline runs goes through here.

- `get_encoder(settings) -> Encoder`; `Encoder.encode(texts, hidden_layers=()) -> EncoderOutput`
  with `.embeddings` (n x 384, L2-normalized), `.hidden[k]` (n x T x 384, HF hidden_states[k]),
  `.attention_mask` (n x T) and `.offsets` (character span of each token).
- `OnnxModel(path, threads)` / `load_session(path, threads)`: any other ONNX file, same options.
- `export.ensure_model(...)`: the local ONNX export (fp32) and its int8 quantization, cached.

Run-time inference imports onnxruntime, tokenizers and numpy only; torch is needed once, to export,
and for the `torch` reference kind.
"""
from .encoder import DIMS, KINDS, Encoder, EncoderOutput, get_encoder, loaded_encoders
from .runtime import OnnxModel, load_session, loaded_sessions

__all__ = ["DIMS", "KINDS", "Encoder", "EncoderOutput", "OnnxModel", "get_encoder", "load_session",
           "loaded_encoders", "loaded_sessions"]
