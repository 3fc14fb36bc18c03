"""The ingest runner: read a source file, skip what the cursor says is done, skip units whose
content is unchanged, enrich the rest, bulk-index them, then advance the cursor.

Guarantees:
- Resumable: the cursor advances only after a batch is indexed (or dead-lettered), so an
  interrupted run resumes where it stopped, losing nothing.
- Idempotent: unit ids are deterministic and a unit whose stored `provenance.raw_hash` matches
  is not enriched or written again, so re-running the same data writes nothing.
- Nothing silently dropped: malformed records and per-document failures go to the dead-letter
  index with their payload and a reason, and the run goes on.
"""
from __future__ import annotations

import itertools
import json
import logging
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from elasticsearch import Elasticsearch

from detectors.watches import on_indexed
from voxindex.model import FeedbackUnit, ValidationError, to_jsonable, utcnow

from .bulk import ElasticsearchOutage, RetryPolicy, bulk_write, with_retry
from .cursors import load_cursor, save_cursor, source_key
from .deadletter import DeadLetter, dead_letter_actions, ensure_fields
from .enrich.build import build_pipeline
from .identity.contacts import load_contacts
from .overlap import run_overlapped
from .pipeline import Pipeline, Write
from .sources import FEEDBACK_CONNECTORS, AccountsConnector, Connector, get_connector
from .progress import Progress, reading
from .sources.base import Bad, Parsed
from .sources.diagnose import FAIL_FAST_RECORDS, duplicate_hint, fail_fast
from .sources.mapped import MappingError
from .sources.readers import UnreadableFile
from .sources.timeparse import DEFAULT_PARSER, TimeParser
from .spool import Held, Spool

log = logging.getLogger("voxindex.ingest")


class IngestAborted(RuntimeError):
    """The run stopped before the end of the file; the cursor marks the last safe batch."""

    def __init__(self, message: str, summary: "IngestSummary | None" = None):
        super().__init__(message)
        self.summary = summary


class EnrichmentFailed(RuntimeError):
    """Every unit of a batch failed enrichment: a broken stage, not bad data."""


@dataclass
class IngestSummary:
    source: str
    path: str
    run_id: str
    status: str = "running"
    records_read: int = 0  # records in the file, well-formed or not
    malformed: int = 0  # rejected by the connector (each one a dead letter with its reason)
    duplicate_id: int = 0  # an earlier version of a record whose id appears again in this run
    skipped_by_cursor: int = 0  # before the stored cursor: done by an earlier run
    empty: int = 0  # well-formed records with no customer words (blank survey verbatim...)
    with_units: int = 0  # records that yielded at least one customer unit
    units_seen: int = 0  # customer units parsed from the records after the cursor
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    dead_lettered: int = 0
    decisions: int = 0  # stage decisions written (people, identity decisions, duplicate links)
    batches: int = 0
    seconds: float = 0.0
    error: str | None = None
    fields_seen: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # hints for the user (duplicate ids, a guessed map)

    @property
    def indexed(self) -> int:
        return self.new + self.changed

    @property
    def units_per_s(self) -> float:
        return self.indexed / self.seconds if self.seconds > 0 else 0.0

    def counts(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("fields_seen")
        data.pop("notes")
        data["indexed"] = self.indexed
        return data

    @property
    def accounted(self) -> int:
        return self.malformed + self.duplicate_id + self.skipped_by_cursor + self.empty + self.with_units

    @property
    def reconciles(self) -> bool:
        return self.records_read == self.accounted

    def reconciliation(self) -> str:
        """`csv Tweets.csv: read 14640 = malformed 0 + duplicate id 12206 + cursor-skip 0 + empty 0 + with units 2434: ok`"""
        parts = (
            f"malformed {self.malformed} + duplicate id {self.duplicate_id} + cursor-skip {self.skipped_by_cursor}"
            f" + empty {self.empty} + with units {self.with_units}"
        )
        who = f"{self.source} {Path(self.path).name}"
        if self.reconciles:
            return f"{who}: read {self.records_read} = {parts}: ok"
        return f"{who}: read {self.records_read} != {parts} = {self.accounted}: MISMATCH, {self.records_read - self.accounted} records unaccounted for"


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]


# ------------------------------------------------------------------ one run over one source


@dataclass
class _Prepared:
    """What `_Run.prepare` hands to `_Run.write`: the enriched units and the lookups behind them."""

    origin: dict
    prior: dict
    is_new: dict
    original_hash: dict
    enriched: list
    failures: list
    writes: list  # what the stages decided besides the units (people, merges, duplicate links)


def batch_keys(batch: list[Parsed]) -> set[tuple[str, str]]:
    return {(u.source_record_id, u.provenance.record_part) for p in batch for u in p.units}


class _Run:
    def __init__(
        self,
        es: Elasticsearch,
        settings,
        connector: Connector,
        source_path: str,
        pipeline: Pipeline,
        policy: RetryPolicy,
        run_id: str | None = None,
    ):
        self.es, self.settings, self.connector, self.pipeline, self.policy = es, settings, connector, pipeline, policy
        # stages that compare a batch with indexed units (duplicates) run in `write`, after the
        # previous batch is written and refreshed; the rest in `prepare`, overlapped with that write
        self.head, self.tail = pipeline.split()
        self.names = settings.indices
        self.summary = IngestSummary(source=connector.name, path=source_path, run_id=run_id or new_run_id())
        self.started = time.perf_counter()
        self.started_at = utcnow()
        self.committed = 0  # batches indexed and covered by the stored cursor
        self.on_indexed = on_indexed

    # -- state index

    def record_run(self, status: str, error: str | None = None) -> None:
        s = self.summary
        s.status, s.error = status, error
        s.seconds = time.perf_counter() - self.started
        doc = {
            "kind": "run",
            "connector": s.source,
            "source_path": s.path,
            "run_id": s.run_id,
            "status": status,
            "counts": s.counts(),
            "fields_seen": s.fields_seen,
            "started_at": to_jsonable(self.started_at),
            "updated_at": to_jsonable(utcnow()),
        }
        if status != "running":
            doc["finished_at"] = doc["updated_at"]
        with_retry(
            lambda: self.es.index(index=self.names.write_alias("state"), id=f"run-{s.run_id}-{s.source}", document=doc),
            self.policy,
            "recording the run",
        )

    # -- dead letters

    def dead_letter(self, letters: list[DeadLetter]) -> None:
        if not letters:
            return
        with_retry(lambda: ensure_fields(self.es, self.settings), self.policy, "updating the dead-letter mapping")
        result = bulk_write(self.es, dead_letter_actions(self.settings, letters), self.policy, "writing dead letters")
        if result.failed:  # the dead-letter index itself refuses: stop rather than lose data
            first = next(iter(result.failed.values()))
            raise RuntimeError(f"could not write dead letters: {first.get('error')}")
        self.summary.dead_lettered += len(letters)

    def letter(self, raw_ref: str, payload: str, reason: str, stage: str, cursor: str | None = None,
               record: dict | None = None, names: tuple[str, ...] = ()) -> DeadLetter:
        return DeadLetter.build(  # redacts the payload and keeps a pointer to replay it
            connector=self.connector.name,
            source=self.connector.source,
            raw_ref=raw_ref,
            payload=payload,
            reason=reason,
            stage=stage,
            run_id=self.summary.run_id,
            source_path=self.summary.path,
            cursor=cursor,
            max_chars=getattr(self.settings, "deadletter_max_chars", 16_384),
            reader=self.connector.reader_options(),
            record=record,
            names=names,
        )

    # -- the batch

    def lookup(self, units: list[FeedbackUnit]) -> tuple[dict[tuple[str, str], str | None], dict[tuple[str, str], set[str]]]:
        """Stored raw_hash and stored doc ids per (record id, part). Segment 0 by realtime mget;
        parts an enrichment stage split into segments 1..n are found with one search."""
        index = self.names.feedback
        ids = [u.unit_id for u in units]
        resp = with_retry(
            lambda: self.es.mget(index=index, ids=ids, source_includes=["provenance.raw_hash"]),
            self.policy,
            "checking which units are already indexed",
        )
        stored: dict[tuple[str, str], str | None] = {}
        prior: dict[tuple[str, str], set[str]] = {}
        key_of = {u.unit_id: (u.source_record_id, u.provenance.record_part) for u in units}
        for doc in resp["docs"]:
            if doc.get("found"):
                key = key_of[doc["_id"]]
                stored[key] = ((doc.get("_source") or {}).get("provenance") or {}).get("raw_hash")
                prior.setdefault(key, set()).add(doc["_id"])
        # new or changed parts: look for segments 1..n too (to find them, and to delete those a
        # changed text no longer produces); this search sees what the run's start refreshed
        missing = [u for u in units if stored.get(key_of[u.unit_id], "") != u.provenance.raw_hash]
        if missing:
            query = {
                "bool": {
                    "filter": [
                        {"term": {"source": self.connector.source}},
                        {"terms": {"source_record_id": sorted({u.source_record_id for u in missing})}},
                        {"range": {"segment_index": {"gte": 1}}},
                    ]
                }
            }
            found = with_retry(
                lambda: self.es.search(
                    index=index,
                    query=query,
                    size=10000,
                    _source=["source_record_id", "provenance.record_part", "provenance.raw_hash"],
                ),
                self.policy,
                "checking split units",
            )
            wanted = {key_of[u.unit_id] for u in missing}
            for hit in found["hits"]["hits"]:
                src = hit["_source"]
                key = (src.get("source_record_id"), (src.get("provenance") or {}).get("record_part"))
                if key in wanted:
                    stored.setdefault(key, (src.get("provenance") or {}).get("raw_hash"))
                    prior.setdefault(key, set()).add(hit["_id"])
        return stored, prior

    def enrich(self, units: list[FeedbackUnit], pipeline: Pipeline | None = None
               ) -> tuple[list[FeedbackUnit], list[tuple[FeedbackUnit, str]], list[Write]]:
        """Enriched units, the units that failed (with why) and every write the stages decided,
        including those of stages that finished before a later one failed. `pipeline`: the part
        to run (default: the stages `prepare` runs)."""
        pipeline = pipeline if pipeline is not None else self.head
        writes: list[Write] = []
        if not units or not pipeline.stages:
            return units, [], writes
        try:
            return pipeline.run(units, writes).units, [], writes
        except Exception as batch_exc:  # find the unit(s) that break it; keep the rest
            log.warning("enrichment failed for a batch of %d (%s); retrying one by one", len(units), batch_exc)
        out: list[FeedbackUnit] = []
        failed: list[tuple[FeedbackUnit, str]] = []
        for unit in units:
            try:
                out.extend(pipeline.run([unit], writes).units)
            except Exception as exc:
                failed.append((unit, f"enrichment failed: {type(exc).__name__}: {exc}"))
        if len(units) > 1 and len(failed) == len(units):
            raise EnrichmentFailed(f"every unit of the batch failed enrichment ({failed[0][1]})")
        return out, failed, writes

    def process(self, batch: list[Parsed]) -> None:
        self.write(self.prepare(batch))

    def prepare(self, batch: list[Parsed]) -> "_Prepared | None":
        """Lookup + enrichment (CPU); `write` does the Elasticsearch half (see indexer/overlap.py)."""
        s = self.summary
        s.batches += 1
        origin: dict[tuple[str, str], Parsed] = {}
        units_by_id: dict[str, FeedbackUnit] = {}
        for parsed in batch:
            if not parsed.units:
                s.empty += 1
            else:
                s.with_units += 1
            for unit in parsed.units:
                units_by_id[unit.unit_id] = unit  # a record listed twice: the later version wins
                origin[(unit.source_record_id, unit.provenance.record_part)] = parsed
        units = list(units_by_id.values())
        s.units_seen += len(units)
        if not units:
            return None
        stored, prior = self.lookup(units)
        fresh: list[FeedbackUnit] = []
        is_new: dict[tuple[str, str], bool] = {}
        for unit in units:
            key = (unit.source_record_id, unit.provenance.record_part)
            if key in stored and stored[key] == unit.provenance.raw_hash:
                s.unchanged += 1
            else:
                fresh.append(unit)
                is_new[key] = key not in stored
        if not fresh:
            return None
        original_hash = {(u.source_record_id, u.provenance.record_part): u.provenance.raw_hash for u in fresh}
        enriched, failures, writes = self.enrich(fresh)
        return _Prepared(origin, prior, is_new, original_hash, enriched, failures, writes)

    def write(self, prepared: "_Prepared | None") -> None:
        if prepared is None:
            return
        s = self.summary
        origin, prior, is_new, original_hash, enriched, failures = (
            prepared.origin, prepared.prior, prepared.is_new, prepared.original_hash, prepared.enriched, prepared.failures)
        if self.tail.stages and enriched:  # the previous batch is written and searchable by now
            enriched, late_failures, late_writes = self.enrich(enriched, self.tail)
            failures = [*failures, *late_failures]
            prepared.writes.extend(late_writes)
        letters: list[DeadLetter] = []
        failed_keys: set[tuple[str, str]] = set()

        def fail(key: tuple[str, str], reason: str, stage: str) -> None:
            if key in failed_keys:
                return
            failed_keys.add(key)
            parsed = origin.get(key)
            ref = f"{parsed.raw_ref}/{key[1]}" if parsed else f"{key[0]}/{key[1]}"
            names = tuple(p.author_name for p in parsed.parts if p.author_name) if parsed else ()
            letters.append(self.letter(ref, parsed.payload if parsed else "", reason, stage,
                                       parsed.cursor_value if parsed else None, names=names))

        for unit, reason in failures:
            fail((unit.source_record_id, unit.provenance.record_part), reason, "enrich")
        letters += self.write_decisions(prepared.writes)
        now = utcnow()
        actions: list[dict[str, Any]] = []
        docs: dict[str, dict[str, Any]] = {}
        keys_by_id: dict[str, tuple[str, str]] = {}
        for unit in enriched:
            key = (unit.source_record_id, unit.provenance.record_part)
            unit.ingested_at = now
            unit.provenance.connector_run = s.run_id
            unit.provenance.raw_hash = unit.provenance.raw_hash or original_hash.get(key)
            try:
                unit.validate()
            except ValidationError as exc:
                fail(key, f"invalid unit: {exc}", "validate")
                continue
            doc = unit.to_doc()
            docs[unit.unit_id] = doc
            keys_by_id[unit.unit_id] = key
            actions.append({"_op_type": "index", "_index": self.names.feedback_write, "_id": unit.unit_id, "_source": doc})
        result = bulk_write(self.es, actions, self.policy, f"indexing batch {s.batches} of {self.connector.name}")
        for doc_id, item in result.failed.items():
            err = item.get("error") or {}
            reason = f"{err.get('type', 'error')}: {err.get('reason', item)}" if isinstance(err, dict) else str(err)
            fail(keys_by_id[doc_id], f"index rejected the document ({item.get('status')}): {reason}", "index")
        # a changed unit that enrichment now splits differently leaves old segments behind
        written = {}
        for doc_id in result.ok:
            written.setdefault(keys_by_id[doc_id], set()).add(doc_id)
        stale = [
            {"_op_type": "delete", "_index": self.names.feedback_write, "_id": old}
            for key, ids in written.items()
            for old in prior.get(key, set()) - ids
        ]
        if stale:
            bulk_write(self.es, stale, self.policy, "removing superseded segments")
        if self.tail.stages and result.ok:
            # the next batch's duplicates compare with this one: searchable now, not at the next
            # scheduled refresh (the writer thread pays for it, overlapped with enrichment)
            with_retry(lambda: self.es.indices.refresh(index=self.names.feedback), self.policy, "refreshing")
        self.dead_letter(letters)
        for key in {keys_by_id[d] for d in result.ok}:
            if key in failed_keys:
                continue
            if is_new.get(key, True):
                s.new += 1
            else:
                s.changed += 1
        indexed_docs = [docs[d] for d in result.ok]
        if indexed_docs and self.on_indexed is not None:
            try:
                self.on_indexed(self.es, self.settings, indexed_docs)
            except Exception:  # a watch must never cost us data
                log.exception("detectors.watches.on_indexed failed; the units are indexed, watches skipped")

    def write_decisions(self, writes: list[Write]) -> list[DeadLetter]:
        """The stages' decisions, through the same bulk path as the units (before them, as the
        stages used to write them while enriching). A rejected one is dead-lettered, with the
        action as its payload, so it is counted and seen like a rejected unit."""
        if not writes:
            return []
        s = self.summary
        result = bulk_write(self.es, [w.action for w in writes], self.policy, f"writing the decisions of batch {s.batches}")
        s.decisions += len(result.ok)
        letters = []
        by_id = {w.action["_id"]: w for w in writes}
        for doc_id, item in result.failed.items():
            w = by_id[doc_id]
            err = item.get("error") or {}
            reason = f"{err.get('type', 'error')}: {err.get('reason', item)}" if isinstance(err, dict) else str(err)
            letters.append(self.letter(f"{w.stage}:{w.action.get('_index')}/{doc_id}", json.dumps(w.action, default=str),
                                       f"index rejected the {w.stage} write ({item.get('status')}): {reason}", w.stage))
        return letters

    # -- the whole source

    def run(self, records: Spool, bad: list[Bad], cursor_path: str | None, batch_size: int, progress: bool) -> IngestSummary:
        """Index `records` (closed when this returns) from the stored cursor, in batches of
        `batch_size`; only their `Held` keys are in memory until a batch is read back."""
        with records:
            return self._run(records, bad, cursor_path, batch_size, progress)

    def _run(self, records: Spool, bad: list[Bad], cursor_path: str | None, batch_size: int, progress: bool) -> IngestSummary:
        s = self.summary
        s.fields_seen = sorted(records.fields)
        s.records_read = len(records) + len(bad)
        s.malformed = len(bad)
        held, repeated = latest_per_id(records.keys)
        s.duplicate_id = len(repeated)
        hint = duplicate_hint(len(repeated), repeated[:20])
        if hint:
            s.notes.append(hint)
        try:
            self.record_run("running")
            self.dead_letter([self.letter(b.raw_ref, b.payload, b.reason, "parse", record=b.record) for b in bad])
            cursor = None
            if cursor_path is not None:
                cursor = with_retry(
                    lambda: load_cursor(self.es, self.settings, self.connector.name, cursor_path), self.policy, "reading the cursor"
                )
            # order of the cursor, ties broken by record id, so "strictly before" is well defined
            held = sorted(held, key=lambda h: (h.cursor_time, h.record_id))
            todo = [h for h in held if cursor is None or h.cursor_time >= cursor.time]
            s.skipped_by_cursor = len(held) - len(todo)
            with_retry(lambda: self.es.indices.refresh(index=self.names.feedback), self.policy, "refreshing")
            bar = Progress(self.connector.name, len(todo), progress, self.settings.progress_s)

            def commit(batch: list[Parsed], prepared: "_Prepared | None") -> None:
                self.write(prepared)
                if cursor_path is not None:
                    last = batch[-1].cursor_value
                    with_retry(
                        lambda: save_cursor(self.es, self.settings, self.connector.name, cursor_path, last, s.run_id),
                        self.policy,
                        "saving the cursor",
                    )
                self.committed += 1
                bar.update(len(batch), s)

            try:  # enrich batch n+1 while batch n is bulk-written (indexer/overlap.py)
                run_overlapped((records.load(todo[i : i + batch_size]) for i in range(0, len(todo), batch_size)),
                               self.prepare, commit, batch_keys, overlap=self.settings.ingest_overlap)
                if self.committed:  # searchable when the run returns, whatever the refresh schedule
                    with_retry(lambda: self.es.indices.refresh(index=self.names.feedback), self.policy, "refreshing")
            finally:
                bar.close()
        except (ElasticsearchOutage, EnrichmentFailed) as exc:
            message = (
                f"{self.connector.name}: stopped after {self.committed} complete batches: {exc}. "
                "The cursor marks the last indexed batch; run the same command again to resume."
            )
            try:
                self.record_run("failed", str(exc))
            except Exception:
                pass  # Elasticsearch is down; the message above is what matters
            raise IngestAborted(message, s) from exc
        except BaseException as exc:  # a bug or Ctrl-C: say so in the run record, then let it out
            try:
                self.record_run("failed", f"{type(exc).__name__}: {exc}")
            except Exception:
                pass
            raise
        self.finish()
        return s

    def finish(self) -> None:
        """Completed, or `mismatch` when the records do not add up: never a silent loss."""
        s = self.summary
        if s.reconciles:
            self.record_run("completed")
            return
        log.error("%s", s.reconciliation())
        self.record_run("mismatch", s.reconciliation())


def latest_per_id(held: list[Held]) -> tuple[list[Held], list[str]]:
    """One version per record id: the latest by cursor (on a tie, the later line), as an
    update of the record would be. Returns the kept records and the ids of the others."""
    kept: dict[str, Held] = {}
    repeated: list[str] = []
    for p in held:
        old = kept.get(p.record_id)
        if old is not None:
            repeated.append(p.record_id)
            if p.cursor_time < old.cursor_time:
                continue
        kept[p.record_id] = p
    return list(kept.values()), repeated


# ------------------------------------------------------------------ public entry points


def _pipeline(settings, es, pipeline: Pipeline | None) -> Pipeline:
    return pipeline if pipeline is not None else build_pipeline(settings, es)


def _read(connector, source: Iterable, first: list | None = None, into=None) -> tuple[Any, list[Bad]]:
    """Well-formed records (appended to `into`: a list, or a `Spool` for feedback records) and
    malformed ones; `first` collects the first ones in file order."""
    good, bad = (into if into is not None else []), []
    for item in source:
        if first is not None and len(first) < FAIL_FAST_RECORDS:
            first.append(item)
        (bad if isinstance(item, Bad) else good).append(item)
    return good, bad


class MappingRejected(IngestAborted):
    """The first records of a file all failed alike: a wrong mapping, stopped before writing."""


# What refuses one file and not the run: its mapping (rejected by fail-fast or by the header) or a
# file that cannot be read as asked. A directory or a voxindex.yaml run reports it and goes on.
FILE_REFUSALS = (MappingRejected, MappingError, UnreadableFile)


def ingest_path(
    es: Elasticsearch,
    settings,
    connector: Connector | AccountsConnector | str,
    path: str | Path,
    pipeline: Pipeline | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    policy: RetryPolicy | None = None,
    run_id: str | None = None,
    announce: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Ingest one file with one connector, incrementally from its stored cursor. `announce`
    receives what the reader found and a guessed field map before anything is written."""
    if isinstance(connector, str):
        connector = get_connector(connector)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file (the {connector.name} connector reads {connector.default_filename})")
    policy = policy or RetryPolicy.from_settings(settings)
    if isinstance(connector, AccountsConnector):
        return ingest_accounts(es, settings, path, policy=policy, run_id=run_id)
    if connector.time_parser is DEFAULT_PARSER and getattr(settings, "timezone", "UTC") != "UTC":
        connector.configure(time_parser=TimeParser.build(None, settings.timezone))
    first: list = []
    items = connector.read(path)
    head = list(itertools.islice(items, 1))  # opens the file: what it is and how it maps are known
    opened = getattr(connector, "last_file", None)
    if announce is not None:  # said before a big file's minutes of reading, not after
        if opened is not None:
            announce(opened.describe())
        if getattr(connector, "map_note", None):
            announce(connector.map_note)
    source = reading(itertools.chain(head, items), f"{connector.name} {path.name}", progress, settings.progress_s)
    records, bad = _read(connector, source, first, Spool(settings.ingest_in_memory))
    stop = fail_fast(first, len(records) + len(bad), opened.columns if opened else ())
    if stop is not None:
        records.close()
        raise MappingRejected(stop.message(f"{connector.name} {path.name}"))
    # a changed mapping reads the file afresh: the old cursor meant other records and times
    key = source_key(path) + (f"#{connector.config_key()}" if connector.config_key() else "")
    run = _Run(es, settings, connector, source_key(path), _pipeline(settings, es, pipeline), policy, run_id)
    return run.run(records, bad, key, batch_size or settings.ingest_batch_size, progress)


def ingest_records(
    es: Elasticsearch,
    settings,
    connector_name: str,
    records: list[dict],
    pipeline: Pipeline | None = None,
    policy: RetryPolicy | None = None,
) -> IngestSummary:
    """Ingest records pushed over the API (dicts in the connector's row/line shape). No cursor:
    idempotency alone makes re-posting the same records harmless."""
    connector = get_connector(connector_name)
    if isinstance(connector, AccountsConnector):
        raise ValueError("accounts are loaded from accounts.jsonl, not pushed as feedback records")
    run_id = new_run_id()
    parsed, bad = _read(connector, connector.read_dicts(records, f"api:{connector_name}"), into=Spool(settings.ingest_in_memory))
    policy = policy or RetryPolicy.from_settings(settings)
    run = _Run(es, settings, connector, f"api:{connector_name}", _pipeline(settings, es, pipeline), policy, run_id)
    return run.run(parsed, bad, None, settings.ingest_batch_size, progress=False)


def ingest_accounts(
    es: Elasticsearch, settings, path: str | Path, policy: RetryPolicy | None = None, run_id: str | None = None
) -> IngestSummary:
    """Accounts are few and small: re-read all, write those that differ from the stored doc."""
    connector = AccountsConnector()
    policy = policy or RetryPolicy.from_settings(settings)
    run = _Run(es, settings, connector, source_key(path), Pipeline(), policy, run_id)  # type: ignore[arg-type]
    s = run.summary
    good, bad = _read(connector, connector.read(path))
    s.records_read = len(good) + len(bad)
    fields: set[str] = set()
    for item in good:
        fields |= set(item.account.to_doc())
    s.fields_seen = sorted(fields)
    try:
        run.record_run("running")
        run.dead_letter([run.letter(b.raw_ref, b.payload, b.reason, "parse", record=b.record) for b in bad])
        latest = {a.record_id: a for a in good}  # a later line for the same account wins
        s.units_seen = s.with_units = len(latest)
        s.malformed, s.duplicate_id = len(bad), len(good) - len(latest)
        if latest:
            ids = list(latest)
            resp = with_retry(lambda: es.mget(index=settings.indices.accounts, ids=ids), policy, "reading accounts")
            stored = {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}
            actions = []
            for account_id, item in latest.items():
                doc = item.account.to_doc()
                if stored.get(account_id) == doc:
                    s.unchanged += 1
                    continue
                actions.append(
                    {"_op_type": "index", "_index": settings.indices.write_alias("accounts"), "_id": account_id, "_source": doc}
                )
            result = bulk_write(es, actions, policy, "indexing accounts")
            for account_id in result.ok:
                if account_id in stored:
                    s.changed += 1
                else:
                    s.new += 1
            letters = []
            for account_id, info in result.failed.items():
                item = latest[account_id]
                letters.append(run.letter(item.raw_ref, item.payload, f"index rejected the account: {info.get('error')}", "index"))
            run.dead_letter(letters)
    except ElasticsearchOutage as exc:
        try:
            run.record_run("failed", str(exc))
        except Exception:
            pass
        raise IngestAborted(f"accounts: {exc}. Run the same command again once Elasticsearch answers.", s) from exc
    run.finish()
    return s


def find_sources(data_dir: str | Path, sources: Iterable[str] | None = None) -> list[tuple[str, Path]]:
    """(connector name, file) for every known default file present in data_dir, accounts first."""
    data_dir = Path(data_dir)
    wanted = list(sources) if sources else ["accounts", *FEEDBACK_CONNECTORS]
    order = ["accounts", *FEEDBACK_CONNECTORS]
    for name in wanted:
        if name not in order:
            raise ValueError(f"unknown source {name!r}; choose from {', '.join(order)}")
    found = []
    for name in order:
        if name in wanted:
            connector = get_connector(name)
            path = data_dir / connector.default_filename
            workbook = path.with_suffix(".xlsx")  # reviews.xlsx where reviews.csv is looked for
            if not path.is_file() and getattr(connector, "file_format", "") == "csv" and workbook.is_file():
                path = workbook
            if path.is_file():
                found.append((name, path))
    return found


def ingest_dir(
    es: Elasticsearch,
    settings,
    data_dir: str | Path,
    sources: Iterable[str] | None = None,
    pipeline: Pipeline | None = None,
    progress: bool = True,
    batch_size: int | None = None,
    policy: RetryPolicy | None = None,
    refused: list[str] | None = None,
) -> dict[str, IngestSummary]:
    """Accounts, then CRM contacts (identity), then every feedback source found in data_dir.
    With `refused`, a file whose mapping is refused or that cannot be read as asked is noted
    there and the other sources still run; without, the error is raised."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"{data_dir}: not a directory (write one with `voxindex demo-data --out {data_dir}`)")
    found = find_sources(data_dir, sources)
    if not found:
        raise FileNotFoundError(
            f"{data_dir}: none of the source files "
            f"({', '.join(get_connector(n).default_filename for n in ('accounts', *FEEDBACK_CONNECTORS))})"
        )
    summaries: dict[str, IngestSummary] = {}
    run_id = new_run_id()
    enriching: Pipeline | None = pipeline
    contacts_pending = sources is None or "accounts" in sources
    for name, path in found:
        if name == "accounts":
            summaries[name] = ingest_path(es, settings, name, path, progress=progress, policy=policy, run_id=run_id)
            continue
        if contacts_pending:  # after accounts, before any feedback: identity needs both
            contacts_pending = False
            _load_contacts(es, settings, data_dir / "people.csv")
        if enriching is None:
            enriching = _pipeline(settings, es, None)  # built once: models load once
        try:
            summaries[name] = ingest_path(
                es, settings, name, path, pipeline=enriching, progress=progress, batch_size=batch_size, policy=policy, run_id=run_id
            )
        except FILE_REFUSALS as exc:
            if refused is None:
                raise
            refused.append(str(exc))
    if contacts_pending:
        _load_contacts(es, settings, data_dir / "people.csv")
    return summaries


def _load_contacts(es: Elasticsearch, settings, people: Path) -> None:
    """CRM contacts (people.csv, optional in a data directory) become persons before any feedback."""
    if not people.is_file():
        return
    result = load_contacts(es, settings, people)
    log.info("contacts from %s: %s", people, result)


def format_summaries(summaries: Iterable[IngestSummary]) -> str:
    cols = (
        ("source", "source"), ("read", "records_read"), ("duplicate id", "duplicate_id"), ("cursor-skip", "skipped_by_cursor"), ("empty", "empty"),
        ("units", "units_seen"), ("new", "new"), ("changed", "changed"), ("unchanged", "unchanged"),
        ("dead", "dead_lettered"), ("secs", "seconds"), ("units/s", "units_per_s"), ("status", "status"),
    )
    rows = []
    total = {k: 0 for _, k in cols}
    summaries = list(summaries)
    shared = {s.source for s in summaries if sum(t.source == s.source for t in summaries) > 1}
    for s in summaries:
        row = []
        for _, key in cols:
            value = getattr(s, key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                total[key] += value
            if key == "source" and value in shared:  # two files through one connector: say which
                value = f"{value}:{Path(s.path).name}"
            row.append(f"{value:.1f}" if isinstance(value, float) else str(value))
        rows.append(row)
    if len(rows) > 1:
        secs = total["seconds"]
        total_row = []
        for _, key in cols:
            if key == "source":
                total_row.append("TOTAL")
            elif key == "status":
                total_row.append("")
            elif key == "units_per_s":
                total_row.append(f"{(total['new'] + total['changed']) / secs:.1f}" if secs else "0.0")
            elif key == "seconds":
                total_row.append(f"{secs:.1f}")
            else:
                total_row.append(str(total[key]))
        rows.append(total_row)
    header = [c for c, _ in cols]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) if rows else len(header[i]) for i in range(len(cols))]
    line = lambda r: "  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(r, widths)))
    return "\n".join([line(header), *(line(r) for r in rows)])
