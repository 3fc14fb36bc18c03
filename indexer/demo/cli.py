"""`voxindex demo-data`: write the deterministic multi-source demo dataset."""
from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

HELP = """\
Write a deterministic demo dataset for "Voxdemo", a fictional B2B collaboration tool: accounts,
CRM contacts, and ~20,000 feedback records (tickets, app reviews, NPS/CSAT surveys, call
transcripts, community posts, in-app chats) in the formats of docs/source-formats.md, with
planted incidents, PII, duplicates and ~1% malformed records. The ground truth for all of it is
written to DIR/ground_truth/. The same arguments always give byte-identical files; a DIR that
already holds the same dataset is left alone unless --force is given."""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-20") from None


def register(sub: argparse._SubParsersAction) -> None:
    from .generate import DEFAULT_END

    p = sub.add_parser("demo-data", help="write the deterministic multi-source demo dataset",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--days", type=int, default=90, help="days of feedback ending at --end-date (default 90)")
    p.add_argument("--out", type=Path, default=Path("demo-data"), help="output directory (default demo-data)")
    p.add_argument("--end-date", type=_date, default=DEFAULT_END,
                   help=f"last day of the data, fixed so output never depends on today (default {DEFAULT_END})")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply record volume (default 1.0 = ~20k feedback records; 0.05 for quick tests)")
    p.add_argument("--force", action="store_true", help="regenerate even if DIR already holds this dataset")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from .generate import generate, is_up_to_date

    if args.days < 1 or args.scale <= 0:
        raise ValueError("--days must be >= 1 and --scale > 0")
    if args.out.exists() and not args.out.is_dir():
        raise ValueError(f"--out {args.out} exists and is not a directory; pick another path")
    if not args.force and is_up_to_date(args.out, args.seed, args.days, args.end_date, args.scale):
        print(f"{args.out}: dataset for seed {args.seed}, {args.days} days, scale {args.scale} is already there "
              f"(use --force to regenerate)")
        return 0
    summary = generate(args.out, args.seed, args.days, args.end_date, args.scale)
    print(f"wrote {args.out}/ in {summary['seconds']}s  (seed {args.seed}, {summary['start_date']} .. "
          f"{summary['end_date']})")
    for name, info in summary["files"].items():
        print(f"  {name:18s} {info['records']:7d} records  {info['malformed']:4d} malformed")
    units = summary["expected_customer_units"]
    print(f"  feedback records   {summary['feedback_records']:7d}  customer units {sum(units.values())}  "
          f"PII values {summary['pii']['values']}  duplicate groups {summary['duplicates']['groups']}")
    print(f"  incidents: {', '.join(summary['incidents'])}  ground truth in {args.out}/ground_truth/")
    return 0
