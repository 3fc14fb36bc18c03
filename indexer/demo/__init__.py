"""Deterministic demo-data generator: `voxindex demo-data` writes every source format of
docs/source-formats.md plus the ground truth that evaluations score against."""

GENERATOR_VERSION = "voxdemo-2"  # 2: planted NPS effect (score_effects.json)
