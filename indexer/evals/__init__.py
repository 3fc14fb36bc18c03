"""Evaluation of the enrichment against labeled data (`ground_truth/`, see docs/source-formats.md).

Each task is a module with `run(data_dir, limit) -> dict` (metrics, JSON-able) and
`format(metrics) -> str` (a readable table); `registry.TASKS` lists them. The pipeline never
reads ground truth; only these modules do.
"""
