"""The sentiment branch: trainable copies of encoder layers L+1..6 and a pooled 3-class head.

Input is the frozen shared encoder's layer-L token states plus the attention mask, so a text pays
for one encoder pass however many branches read it. Layers between the cached layer and L run
frozen (`frozen` below) during training only; at inference the shared encoder supplies layer L.
"""
from __future__ import annotations

import torch
from torch import nn

HIDDEN = 384
N_LAYERS = 6


def load_encoder():
    from transformers import AutoModel

    from indexer.enrich.embed import model_dir

    return AutoModel.from_pretrained(str(model_dir()), local_files_only=True)


def extended_mask(mask: torch.Tensor, dtype=torch.float32) -> torch.Tensor:
    # BERT's additive mask: 0 where attended, a large negative where padded (finite: ONNX-safe).
    return (1.0 - mask[:, None, None, :].to(dtype)) * -10000.0


class Block(nn.Module):
    """One BERT encoder layer in plain torch (what HF's BertLayer computes, eval-equivalent),
    so the exported ONNX graph does not depend on a transformers attention backend."""

    def __init__(self, hidden: int = HIDDEN, heads: int = 12, inter: int = 1536, eps: float = 1e-12):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.up = nn.Linear(hidden, inter)
        self.down = nn.Linear(inter, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)
        self.drop = nn.Dropout(0.1)

    @classmethod
    def from_hf(cls, layer) -> "Block":
        cfg_heads = layer.attention.self.num_attention_heads
        b = cls(heads=cfg_heads, inter=layer.intermediate.dense.out_features,
                eps=layer.output.LayerNorm.eps)
        pairs = [(b.q, layer.attention.self.query), (b.k, layer.attention.self.key),
                 (b.v, layer.attention.self.value), (b.o, layer.attention.output.dense),
                 (b.ln1, layer.attention.output.LayerNorm), (b.up, layer.intermediate.dense),
                 (b.down, layer.output.dense), (b.ln2, layer.output.LayerNorm)]
        for mine, theirs in pairs:
            mine.load_state_dict(theirs.state_dict())
        return b

    def forward(self, h: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        n, t, d = h.shape
        hd = d // self.heads

        def split(x):
            return x.view(n, t, self.heads, hd).transpose(1, 2)

        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = (q @ k.transpose(-1, -2)) / (hd ** 0.5) + attention_mask
        att = self.drop(torch.softmax(att, dim=-1))
        ctx = (att @ v).transpose(1, 2).reshape(n, t, d)
        h = self.ln1(h + self.drop(self.o(ctx)))
        return self.ln2(h + self.drop(self.down(nn.functional.gelu(self.up(h)))))


class Branch(nn.Module):
    def __init__(self, layers: list[nn.Module], n_classes: int = 3, dropout: float = 0.1):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(HIDDEN, n_classes)
        self.register_buffer("temperature", torch.ones(()))

    def logits(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        ext = extended_mask(mask, states.dtype)
        h = states
        for layer in self.layers:
            h = layer(h, ext)
        m = mask.to(h.dtype).unsqueeze(-1)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(self.dropout(pooled))

    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.logits(states, mask) / self.temperature, dim=-1)


class Frozen(nn.Module):
    """Pretrained layers cached..L-1 run without gradients (training only)."""

    def __init__(self, layers: list[nn.Module]):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        for p in self.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def forward(self, states: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if not len(self.layers):
            return states
        ext = extended_mask(mask, states.dtype)
        h = states
        for layer in self.layers:
            h = layer(h, ext)
        return h


def build(cached_layer: int, layer: int, n_classes: int = 3) -> tuple[Frozen, Branch]:
    """Frozen layers cached_layer+1..layer and a branch of pretrained copies of layer+1..6."""
    enc = load_encoder()
    blocks = list(enc.encoder.layer)  # blocks[i] maps hidden_states[i] -> hidden_states[i+1]
    frozen = Frozen([Block.from_hf(b) for b in blocks[cached_layer:layer]]).eval()
    branch = Branch([Block.from_hf(b) for b in blocks[layer:N_LAYERS]], n_classes)
    return frozen, branch
