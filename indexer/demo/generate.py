"""Orchestration: accounts -> people -> volume plan -> records -> duplicates -> malformed -> files.

Every random choice comes from a `random.Random` seeded with "<seed>/<stream>", one stream per
concern, so the same seed and arguments give byte-identical files, and changing one concern
(say, the PII rate) does not reshuffle everything else.
"""
from __future__ import annotations

import json
import os
import random
import time as _time
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import yaml

from . import GENERATOR_VERSION
from .accounts import build_accounts
from .duplicates import finalize, group_accidental, plant_duplicates
from .incidents import SOURCES, Releases, plan_volume
from .people import build_population
from .records import Rec, RecordFactory
from .score_effects import default_effects, effect_truth
from .text import Composer
from .truth import duplicate_rows, identity_rows, pii_rows, unit_rows
from .writers import FEEDBACK_FILES, choose_malformed, jsonl, people_csv, render_source

DEFAULT_END = date(2026, 11, 20)
TAXONOMY = Path(__file__).resolve().parents[2] / "taxonomy" / "taxonomy.yaml"
ID_FORMAT = {"zendesk": lambda i: str(40001 + i), "appstore": lambda i: f"rv_{i + 1:06d}",
             "survey": lambda i: f"resp_{i + 1:06d}", "calls": lambda i: f"call_{i + 1:05d}",
             "jsonl": lambda i: f"post_{i + 1}", "csv": lambda i: f"chat_{i + 1:06d}"}
GT_FILES = ["units.jsonl", "pii.jsonl", "identities.jsonl", "duplicates.jsonl", "incidents.json",
            "score_effects.json", "malformed.jsonl", "summary.json"]


def taxonomy_map(path: Path = TAXONOMY) -> dict[str, str]:
    """sub_theme -> theme, read from the taxonomy the classifiers use."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {sub: theme for theme, spec in data["themes"].items() for sub in spec["sub_themes"]}


def _params(seed: int, days: int, end_date: date, scale: float) -> dict:
    return {"generator": GENERATOR_VERSION, "seed": seed, "days": days, "end_date": end_date.isoformat(),
            "scale": scale}


def is_up_to_date(out: Path, seed: int, days: int, end_date: date = DEFAULT_END, scale: float = 1.0) -> bool:
    """True when `out` already holds the complete dataset these arguments would write."""
    summary_path = out / "ground_truth" / "summary.json"
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if any(summary.get(k) != v for k, v in _params(seed, days, end_date, scale).items()):
        return False
    for name, info in summary.get("files", {}).items():
        path = out / name
        if not path.exists() or path.stat().st_size != info.get("bytes"):
            return False
    return True


def _write(path: Path, text: str) -> int:
    tmp = path.with_name(path.name + ".tmp")
    data = text.encode("utf-8")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)


def generate(out: Path, seed: int, days: int = 90, end_date: date = DEFAULT_END, scale: float = 1.0,
             progress: bool | None = None) -> dict:
    """Write the dataset into `out` and return summary.json's content (plus `seconds`, not written)."""
    if days < 1:
        raise ValueError("--days must be at least 1")
    if scale <= 0:
        raise ValueError("--scale must be positive")
    from tqdm import tqdm

    started = _time.perf_counter()
    out = Path(out)
    (out / "ground_truth").mkdir(parents=True, exist_ok=True)

    def stream(name: str) -> random.Random:
        return random.Random(f"{seed}/{name}")

    end_dt = datetime.combine(end_date, time(23, 59, 59), timezone.utc)
    start_dt = datetime.combine(end_date - timedelta(days=days - 1), time(0), timezone.utc)
    theme_of = taxonomy_map()
    accounts = build_accounts(stream("accounts"), end_dt, start_dt)
    pop = build_population(stream("people"), accounts, end_dt)
    releases = Releases(end_date)
    plan = plan_volume(stream("volume"), end_date, days, scale)

    factories = {}
    for source in SOURCES:
        rng = stream(f"records/{source}")
        factories[source] = RecordFactory(rng, Composer(rng, theme_of), accounts, pop, releases, end_dt)
    by_source: dict[str, list[Rec]] = {s: [] for s in SOURCES}
    with tqdm(total=len(plan.specs) + len(SOURCES), desc="demo-data", unit="rec", disable=progress is False,
              mininterval=0.5) as bar:
        for spec in plan.specs:
            by_source[spec.source].append(factories[spec.source].build(spec))
            bar.update()

        groups = plant_duplicates(stream("duplicates"), by_source, end_dt)
        for source in SOURCES:
            recs = by_source[source]
            recs.sort(key=lambda r: r.created)
            for i, rec in enumerate(recs):
                rec.rid = ID_FORMAT[source](i)
                if source == "jsonl":
                    rec.payload["url"] = f"https://community.voxdemo.io/t/{rec.rid.split('_')[1]}"
        mal_rng = stream("malformed")
        for source in SOURCES:
            choose_malformed(mal_rng, by_source[source])
        all_recs = [r for s in SOURCES for r in by_source[s]]
        group_accidental(all_recs, groups)
        groups = finalize(groups)

        files: dict[str, dict] = {}
        malformed = []
        accounts_text = jsonl(a.to_record() for a in accounts)
        files["accounts.jsonl"] = {"records": len(accounts), "malformed": 0, "bytes": _write(out / "accounts.jsonl", accounts_text)}
        files["people.csv"] = {"records": len(pop.contacts), "malformed": 0,
                               "bytes": _write(out / "people.csv", people_csv(pop.contacts))}
        for source in SOURCES:
            text, bad = render_source(mal_rng, source, by_source[source])
            name = FEEDBACK_FILES[source][0]
            files[name] = {"records": len(by_source[source]), "malformed": len(bad), "bytes": _write(out / name, text)}
            malformed.extend(bad)
            bar.update()

    units = list(unit_rows(all_recs))
    gt = out / "ground_truth"
    _write(gt / "units.jsonl", jsonl(units))
    pii = list(pii_rows(all_recs))
    _write(gt / "pii.jsonl", jsonl(pii))
    identities = list(identity_rows(pop))
    _write(gt / "identities.jsonl", jsonl(identities))
    _write(gt / "duplicates.jsonl", jsonl(duplicate_rows(groups)))
    incidents = []
    for inc in plan.incidents:
        row = inc.to_json()
        row["records"] = sum(1 for r in all_recs if r.incident == inc.id and not r.malformed)
        incidents.append(row)
    _write(gt / "incidents.json", json.dumps(incidents, indent=2, ensure_ascii=False) + "\n")
    indexed = [r.score_effect for r in by_source["survey"] if r.score_effect and r.score_effect["has_text"] and not r.malformed]
    effects = [effect_truth(e, indexed) for e in default_effects()]
    _write(gt / "score_effects.json", json.dumps(effects, indent=2, ensure_ascii=False) + "\n")
    _write(gt / "malformed.jsonl", jsonl({"file": m.file, "line": m.line, "reason": m.reason} for m in malformed))

    per_source = {s: {"customer": 0, "non_customer": 0} for s in SOURCES}
    for u in units:
        per_source[u["source"]]["customer" if u["speaker_role"] == "customer" else "non_customer"] += 1
    pii_types: dict[str, int] = {}
    for p in pii:
        pii_types[p["type"]] = pii_types.get(p["type"], 0) + 1
    feedback_files = [FEEDBACK_FILES[s][0] for s in SOURCES]
    summary = {
        **_params(seed, days, end_date, scale),
        "start_date": start_dt.date().isoformat(),
        "files": files,
        "feedback_records": sum(files[f]["records"] for f in feedback_files),
        "feedback_records_valid": sum(files[f]["records"] - files[f]["malformed"] for f in feedback_files),
        "expected_customer_units": {s: v["customer"] for s, v in per_source.items()},
        "units": per_source,
        "pii": {"values": len(pii), "by_type": dict(sorted(pii_types.items())),
                "customer_parts_with_pii": len({(p["source"], p["record_id"], p["part"]) for p in pii})},
        "duplicates": {"groups": len(groups), "members": sum(len(g.members) for g in groups)},
        "identities": {"clusters": sum(1 for i in identities if "person_cluster" in i),
                       "shared_inboxes": len(pop.shared), "contacts": len(pop.contacts)},
        "incidents": [i["id"] for i in incidents],
        "score_effects": [e["id"] for e in effects],
    }
    _write(gt / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return {**summary, "seconds": round(_time.perf_counter() - started, 2)}
