"""Ingest progress that shows wherever the run is watched: a tqdm bar on a terminal, and in
logs or CI (no TTY) one plain line every few seconds with records, units/s and an ETA."""
from __future__ import annotations

import sys
import time
from typing import Any, Iterable, Iterator, TextIO, TypeVar

T = TypeVar("T")


def progress_line(label: str, done: int, total: int, units: int, elapsed: float) -> str:
    """`csv: 4,000/14,640 records (27%), 3,210 units, 812 units/s, ETA 13s` (pure, for tests)."""
    pct = 100.0 * done / total if total else 100.0
    rate = units / elapsed if elapsed > 0 else 0.0
    rec_rate = done / elapsed if elapsed > 0 else 0.0
    eta = f"{(total - done) / rec_rate:.0f}s" if rec_rate > 0 and done < total else ("0s" if done >= total else "?")
    return f"{label}: {done:,}/{total:,} records ({pct:.0f}%), {units:,} units, {rate:.1f} units/s, ETA {eta}"


class Progress:
    def __init__(self, label: str, total: int, enabled: bool, interval_s: float = 5.0, stream: TextIO | None = None):
        self.label, self.total, self.interval_s = label, total, interval_s
        self.stream = stream or sys.stderr
        self.done = 0
        self.started = self.last = time.monotonic()
        self.bar = None
        self.lines = enabled and not _isatty(self.stream)
        if enabled and not self.lines:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=f"{label:9s}", unit="rec", file=self.stream, leave=False)

    def update(self, n: int, summary: Any) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
            self.bar.set_postfix(new=summary.new, changed=summary.changed, same=summary.unchanged, dead=summary.dead_lettered, refresh=False)
            return
        now = time.monotonic()
        if self.lines and (now - self.last >= self.interval_s or self.done >= self.total):
            self.last = now
            units = summary.new + summary.changed + summary.unchanged
            print(progress_line(self.label, self.done, self.total, units, now - self.started), file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def reading(items: Iterable[T], label: str, enabled: bool, interval_s: float = 5.0,
            stream: TextIO | None = None) -> Iterator[T]:
    """`items`, counted as they are read: ingest reads a whole file before it writes (a million
    rows take minutes), and that time must not look like a hang. A counter on a terminal; in logs,
    one line per `interval_s` once the first has passed, so a small file prints nothing."""
    stream = stream or sys.stderr
    if not enabled:
        yield from items
        return
    if _isatty(stream):
        from tqdm import tqdm

        yield from tqdm(items, desc=f"{label} reading", unit="rec", file=stream, leave=False)
        return
    started = last = time.monotonic()
    n = 0
    for item in items:
        n += 1
        yield item
        now = time.monotonic()
        if now - last >= interval_s:
            last = now
            print(f"{label}: reading, {n:,} records so far ({n / max(now - started, 1e-9):,.0f}/s)", file=stream, flush=True)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
