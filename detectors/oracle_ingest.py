"""Load a demo dataset with ground-truth labels instead of the models, for detector backtests.

    python -m detectors.oracle_ingest DATA_DIR

Runs the real ingest (connectors, PII, identity, point-in-time account context, duplicates)
with the model-free pipeline, plus one stage that copies theme/sub_theme, sentiment, intent
and severity from DATA_DIR/ground_truth/units.jsonl. The backtest then scores the detectors
alone, separately from classifier errors (which `voxindex eval` measures). Takes minutes where
the full MiniLM pipeline takes over an hour on a 2-core box.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def truth_stage(data_dir: Path):
    from indexer.pipeline import FunctionStage
    from voxindex.model import SEVERITY_WEIGHT, Scored

    labels: dict[tuple[str, str, str], dict] = {}
    with open(data_dir / "ground_truth" / "units.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("theme"):
                labels.setdefault((row["source"], str(row["record_id"]), row["part"]), row)

    def label(units):
        for u in units:
            row = labels.get((u.source, str(u.source_record_id), u.provenance.record_part or "body"))
            if not row:
                continue
            u.taxonomy.theme, u.taxonomy.sub_theme = [row["theme"]], [row["sub_theme"]]
            u.taxonomy.primary_theme, u.taxonomy.primary_sub_theme = row["theme"], row["sub_theme"]
            u.taxonomy.version, u.taxonomy.confidence = "ground-truth", 1.0
            u.sentiment = Scored(row.get("sentiment"), 1.0)
            u.intent = Scored(row.get("intent"), 1.0)
            u.severity = Scored(row.get("severity"), SEVERITY_WEIGHT.get(row.get("severity") or ""))
        return units

    return FunctionStage("ground-truth-labels", label)


def main(argv: list[str] | None = None) -> int:
    from indexer.enrich.build import build_pipeline
    from indexer.ingest import ingest_dir
    from voxindex.config import get_settings
    from voxindex.es import client
    from voxindex.setup import setup_indices

    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data_dir = Path(args[0])
    settings = get_settings()
    es = client(settings)
    setup_indices(es, settings.indices)
    # accounts first: the account-context stage reads the account book when it is built
    summaries = ingest_dir(es, settings, data_dir, sources=["accounts"])
    pipeline = build_pipeline(settings=settings, es=es, embed=False, pii=False)
    pipeline.stages.insert(len(pipeline.stages) - 1, truth_stage(data_dir))
    summaries.update(ingest_dir(es, settings, data_dir, pipeline=pipeline))
    for name, s in summaries.items():
        print(name, getattr(s, "counts", lambda: s)() if callable(getattr(s, "counts", None)) else s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
