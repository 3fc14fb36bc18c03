"""`voxindex bench detectors`: ingest-to-alert latency and watch-matching throughput.

* watch latency: a steady background ingest (batches every --interval s, each followed by
  `on_indexed`, as the ingest runner does); a matching unit is slipped into one batch and we time
  bulk start -> alert document visible.
* spike latency: the same load, plus a rule loop evaluating a spike rule every --rule-every s;
  a burst of a new sub-theme is indexed and we time burst -> alert visible. In production the
  rule's schedule (e.g. 15m) adds up to one interval on top.
* throughput: units/s through the watch engine for 10, 1,000 and 10,000 stored watches (keyword
  and structured watches mixed), with and without the structured pre-check.

Runs under a scratch index prefix that is dropped afterwards. Wired into `voxindex bench` by
indexer/bench.py (`register_bench`), and also reachable as `voxindex detectors bench`.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

WORDS = ("sync", "stuck", "invoice", "refund", "slow", "login", "crash", "export", "price", "okta", "report", "mobile",
         "offline", "charged", "twice", "dashboard", "search", "api", "webhook", "calendar", "upload", "password")
THEMES = {"reliability": ["sync-failure", "crash", "outage"], "billing": ["double-charge", "invoice-error", "pricing"],
          "performance": ["slow-load", "slow-search"], "access": ["login-sso", "password-reset"]}
SEGMENTS = ("smb", "mid-market", "enterprise")
REGIONS = ("NA", "EU", "APAC", "LATAM")


def add_bench_parser(sub: argparse._SubParsersAction, name: str = "detectors") -> argparse.ArgumentParser:
    p = sub.add_parser(name, help="ingest-to-alert latency (watch, spike rule) and watch-matching throughput",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--watches", default="10,1000,10000", help="stored-watch counts for the throughput test")
    p.add_argument("--batch", type=int, default=200, help="units per ingest batch (default 200)")
    p.add_argument("--batches", type=int, default=3, help="batches timed per watch count (default 3)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between background batches (default 0.5)")
    p.add_argument("--rule-every", type=float, default=1.0, help="spike rule evaluation period in the bench (default 1s)")
    p.add_argument("--trials", type=int, default=5, help="latency samples per kind (default 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd)
    return p


def register_bench(sub: argparse._SubParsersAction) -> None:
    add_bench_parser(sub, "detectors")


def _cmd(args) -> int:
    from voxindex.config import get_settings
    from voxindex.es import client, wait_until_up

    from .synthetic import scratch_settings

    base = get_settings()
    es = client(base)
    wait_until_up(es, timeout=30)
    gen = scratch_settings(es, base)
    settings = next(gen)
    try:
        result = run_bench(es, settings, [int(x) for x in args.watches.split(",") if x.strip()], batch=args.batch,
                           batches=args.batches, interval=args.interval, rule_every=args.rule_every, trials=args.trials)
    finally:
        gen.close()
    print(json.dumps(result, indent=2) if args.json else format_bench(result))
    return 0


# a long-tailed vocabulary: watches look for specific words ("okta", a competitor) that are
# rare in any one batch, while common words fill most of the text
VOCAB = list(WORDS) + [f"term{i}" for i in range(3000)]
WEIGHTS = [1.0 / (i + 1) for i in range(len(VOCAB))]


def _text(rng: random.Random, n: int = 14) -> str:
    return " ".join(rng.choices(VOCAB, weights=WEIGHTS, k=n))


def _random_unit(rng: random.Random, when: datetime, **kw):
    from .synthetic import unit

    theme = rng.choice(list(THEMES))
    return unit(_text(rng), when, theme=theme, sub_theme=rng.choice(THEMES[theme]),
                segment=rng.choice(SEGMENTS), region=rng.choice(REGIONS), account_id=f"acc_{rng.randrange(300):04d}",
                arr=float(rng.randrange(1, 300) * 1000), app_version=rng.choice(["4.8.1", "4.8.2", "4.9.0"]), **kw)


def _random_watch(rng: random.Random, i: int):
    from .watches import WatchSpec

    kind = i % 3
    if kind == 0:  # keywords only: no structured pre-check can skip it
        return WatchSpec(name=f"bench-{i}", query=f"{rng.choice(VOCAB)} {rng.choice(WORDS)}")
    theme = rng.choice(list(THEMES))
    if kind == 1:
        return WatchSpec(name=f"bench-{i}", query=rng.choice(VOCAB), theme=[theme], segment=[rng.choice(SEGMENTS)])
    return WatchSpec(name=f"bench-{i}", sub_theme=[rng.choice(THEMES[theme])], region=[rng.choice(REGIONS)],
                     min_arr=float(rng.randrange(50, 250) * 1000), sentiment=["negative"])


def throughput(es, settings, counts: list[int], batch: int, batches: int, progress=True) -> list[dict]:
    from .synthetic import index_units
    from .watches import BatchMatchEngine, bulk_add_watches, list_watches

    rng = random.Random(7)
    names = settings.indices
    out = []
    stored = 0
    now = datetime.now(timezone.utc)
    for n in sorted(counts):
        bulk_add_watches(es, names, [_random_watch(rng, i) for i in range(stored, n)])
        stored = n
        watches = list_watches(es, names, active_only=True)
        row = {"watches": n}
        for prefilter in (True, False):
            secs, units, matched = 0.0, 0, 0
            for _ in range(batches):
                docs = [_random_unit(rng, now) for _ in range(batch)]
                index_units(es, names, docs, refresh=False)
                engine = BatchMatchEngine(es, names, watches=watches, prefilter=prefilter)
                t = time.perf_counter()
                got = engine.match(docs)
                secs += time.perf_counter() - t
                units += len(docs)
                matched += sum(len(v) for v in got.values())
            row["units_per_s" if prefilter else "units_per_s_no_precheck"] = round(units / secs, 1)
            row["ms_per_batch" if prefilter else "ms_per_batch_no_precheck"] = round(1000 * secs / batches, 1)
            row["matches_per_batch"] = round(matched / batches, 1)
        out.append(row)
        if progress:
            print(f"  {n:>6} watches: {row}", file=sys.stderr)
    return out


class Load:
    """Steady background ingest: a batch every `interval` s, each followed by on_indexed."""

    def __init__(self, es, settings, batch: int, interval: float):
        self.es, self.settings, self.batch, self.interval = es, settings, batch, interval
        self.extra: list[tuple[list[dict], threading.Event, list]] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.batches = 0

    def inject(self, docs: list[dict]) -> float:
        """Queue docs for the next batch; returns the time that batch started its bulk."""
        done, started = threading.Event(), []
        with self.lock:
            self.extra.append((docs, done, started))
        done.wait(60)
        return started[0]

    def _run(self) -> None:
        from .synthetic import index_units
        from .watches import on_indexed

        rng = random.Random(11)
        while not self.stop.is_set():
            tick = time.perf_counter()
            docs = [_random_unit(rng, datetime.now(timezone.utc) - timedelta(minutes=rng.randrange(1, 600)))
                    for _ in range(self.batch)]
            with self.lock:
                injected, self.extra = self.extra, []
            for extra, _, started in injected:
                docs += extra
                started.append(time.perf_counter())
            index_units(self.es, self.settings.indices, docs, refresh=False)
            on_indexed(self.es, self.settings, docs, notify=False)
            self.batches += 1
            for _, done, _ in injected:
                done.set()
            time.sleep(max(0.0, self.interval - (time.perf_counter() - tick)))


def _wait_for_alert(es, names, query: dict, timeout: float = 120.0) -> float | None:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if es.count(index=names.alerts, query=query)["count"]:
            return time.perf_counter()
        time.sleep(0.05)
    return None


def latency(es, settings, batch: int, interval: float, rule_every: float, trials: int) -> dict:
    from .rules import parse_rule
    from .runner import run_once
    from .synthetic import index_units, series, unit
    from .watches import add_watch

    names = settings.indices
    now = datetime.now(timezone.utc)
    # a week of baseline for the spike rule
    rng = random.Random(3)
    index_units(es, names, [_random_unit(rng, now - timedelta(days=rng.uniform(0, 7))) for _ in range(3000)])
    add_watch(es, names, {"name": "bench-needle", "query": "zebra quartz", "segment": ["enterprise"]})
    load = Load(es, settings, batch, interval)
    load.thread.start()
    watch_ms, spike_ms, eval_ms = [], [], []
    stop_rules = threading.Event()
    try:
        for i in range(trials):
            doc = unit(f"zebra quartz needle {i}", datetime.now(timezone.utc), segment="enterprise", unit_id=f"needle-{i}")
            t0 = load.inject([doc])
            t1 = _wait_for_alert(es, names, {"term": {"unit_ids": f"needle-{i}"}})
            if t1:
                watch_ms.append(1000 * (t1 - t0))
        # spike: a rule loop on its own period, like the scheduler
        rules = [parse_rule({"type": "spike", "dimension": "sub_theme", "window": "1h", "baseline_windows": 24,
                             "min_count": 20, "threshold": 0.0001}, "bench.yaml", "bench-spike")]

        def rule_loop():
            while not stop_rules.is_set():
                t = time.perf_counter()
                run_once(es, settings, rules, notify=False)
                eval_ms.append(1000 * (time.perf_counter() - t))
                stop_rules.wait(max(0.0, rule_every - (time.perf_counter() - t)))

        loop = threading.Thread(target=rule_loop, daemon=True)
        loop.start()
        for i in range(trials):
            sub = f"bench-burst-{i}"
            docs = series("burst", datetime.now(timezone.utc), [40], theme="reliability", sub_theme=sub)
            for d in docs:  # squeeze the burst into the last few minutes
                d["created_at"] = (datetime.now(timezone.utc) - timedelta(seconds=random.uniform(1, 300))).isoformat()
            t0 = time.perf_counter()
            index_units(es, names, docs, refresh=False)
            t1 = _wait_for_alert(es, names, {"term": {"sub_theme": sub}})
            if t1:
                spike_ms.append(1000 * (t1 - t0))
    finally:
        stop_rules.set()
        load.stop.set()
        load.thread.join(30)

    def summary(values):
        return {"n": len(values), "median_ms": round(statistics.median(values), 1) if values else None,
                "max_ms": round(max(values), 1) if values else None}

    return {"load": {"units_per_batch": batch, "interval_s": interval, "batches": load.batches},
            "watch": summary(watch_ms), "spike": {**summary(spike_ms), "rule_every_s": rule_every,
                                                  "eval_median_ms": round(statistics.median(eval_ms), 1) if eval_ms else None}}


def run_bench(es, settings, counts, batch=200, batches=3, interval=0.5, rule_every=1.0, trials=5) -> dict:
    print("latency under steady ingest...", file=sys.stderr)
    lat = latency(es, settings, batch, interval, rule_every, trials)
    print("watch-matching throughput...", file=sys.stderr)
    thr = throughput(es, settings, counts, batch, batches)
    return {"latency": lat, "throughput": thr, "engine": "batch (_msearch)"}


def format_bench(r: dict) -> str:
    lat = r["latency"]
    lines = [f"Ingest-to-alert latency under load ({lat['load']['units_per_batch']} units every {lat['load']['interval_s']}s):",
             f"  watch:      median {lat['watch']['median_ms']} ms, max {lat['watch']['max_ms']} ms (n={lat['watch']['n']})",
             f"  spike rule: median {lat['spike']['median_ms']} ms, max {lat['spike']['max_ms']} ms (n={lat['spike']['n']}), "
             f"rule evaluated every {lat['spike']['rule_every_s']}s, one evaluation {lat['spike']['eval_median_ms']} ms",
             f"Watch matching ({r['engine']}), units/s per batch:",
             f"  {'watches':>8} {'units/s':>9} {'ms/batch':>9} {'no-precheck u/s':>16} {'ms/batch':>9}"]
    for row in r["throughput"]:
        lines.append(f"  {row['watches']:>8} {row['units_per_s']:>9} {row['ms_per_batch']:>9} "
                     f"{row['units_per_s_no_precheck']:>16} {row['ms_per_batch_no_precheck']:>9}")
    return "\n".join(lines)
