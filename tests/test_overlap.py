"""The ingest loop's producer/consumer: batch n+1 is enriched while batch n is written, commits
stay in order, a batch touching a record still being written waits for it, and a failed write
stops the loop before anything after it is committed."""
from __future__ import annotations

import threading
import time

import pytest

from indexer.overlap import run_overlapped


def test_commits_in_order_while_the_next_batch_is_prepared():
    log, started = [], threading.Event()

    def prepare(b):
        log.append(("prepare", b))
        if b == 2:
            assert started.wait(5)  # batch 1 is being written while batch 2 is prepared
        return b * 10

    def commit(b, p):
        if b == 1:
            started.set()
            time.sleep(0.05)
        log.append(("commit", b, p))

    assert run_overlapped([1, 2, 3], prepare, commit) == 3
    assert [e for e in log if e[0] == "commit"] == [("commit", 1, 10), ("commit", 2, 20), ("commit", 3, 30)]


def test_a_batch_sharing_a_record_with_the_write_in_flight_waits_for_it():
    log = []

    def commit(b, p):
        time.sleep(0.05)
        log.append(("commit", b["n"]))

    def prepare(b):
        log.append(("prepare", b["n"]))
        return None

    batches = [{"n": 1, "keys": {"r1"}}, {"n": 2, "keys": {"r1"}}]
    run_overlapped(batches, prepare, commit, keys=lambda b: b["keys"])
    assert log == [("prepare", 1), ("commit", 1), ("prepare", 2), ("commit", 2)]


def test_a_failed_write_stops_the_loop_before_the_next_commit():
    committed = []

    def commit(b, p):
        if b == 2:
            raise ConnectionError("es down")
        committed.append(b)

    with pytest.raises(ConnectionError):
        run_overlapped([1, 2, 3, 4], lambda b: b, commit)
    assert committed == [1]
