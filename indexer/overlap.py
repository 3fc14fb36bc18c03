"""Encode batch n+1 while batch n is written: a two-stage producer/consumer for the ingest loop.

`run_overlapped(batches, prepare, commit, keys)` calls `prepare(batch)` (lookup + enrichment:
CPU, this thread) and hands the result to `commit(batch, prepared)` (bulk write, dead letters,
watches, cursor: Elasticsearch, one writer thread). At most one batch is being written while the
next is prepared, commits run strictly in order, and a commit's exception stops the loop before
another batch is committed, so the cursor still marks the last batch safely indexed.

A batch that shares a record key with the batch still being written waits for that write first:
its lookup must see the earlier version (to count it `changed` and to delete superseded segments),
exactly as in the sequential loop. Stages that compare a batch with indexed units (duplicates)
belong to `commit`, not `prepare`: only there is the previous batch written (`Pipeline.split`).
"""
from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Hashable, Iterable, TypeVar

B = TypeVar("B")
P = TypeVar("P")


def run_overlapped(
    batches: Iterable[B],
    prepare: Callable[[B], P],
    commit: Callable[[B, P], None],
    keys: Callable[[B], set[Hashable]] = lambda b: set(),
    overlap: bool = True,
) -> int:
    """Returns the number of batches committed. With overlap=False: prepare, commit, prepare..."""
    done = 0
    if not overlap:
        for batch in batches:
            commit(batch, prepare(batch))
            done += 1
        return done
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer") as writer:
        pending: Future | None = None
        pending_keys: set[Hashable] = set()
        try:
            for batch in batches:
                mine = keys(batch)
                if pending is not None and mine & pending_keys:
                    pending.result()
                    done += 1
                    pending = None
                prepared = prepare(batch)
                if pending is not None:
                    pending.result()  # in order; a failed write raises here, before the next commit
                    done += 1
                pending, pending_keys = writer.submit(commit, batch, prepared), mine
            if pending is not None:
                pending.result()
                done += 1
                pending = None
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                try:
                    pending.result()  # a write already under way finishes (or fails) before we leave
                except Exception:
                    pass
    return done
