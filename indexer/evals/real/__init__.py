"""Evals on real public data (`voxindex eval --suite real`): every metric with a 95% interval.

Each task is a module exposing `run(corpora: Path, limit: int | None = None, seed: int = 0)`
returning `{metric: {"value", "lo", "hi", "n"}}`; `registry.py` lists them."""
