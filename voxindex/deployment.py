"""One configuration file for a deployment: `voxindex.yaml` (dlt-style).

It names the Elasticsearch cluster, the taxonomy and rules, and every source to ingest (connector,
path or glob, field map, time formats, encoding, channel, schedule). It is found at
`$VOXINDEX_CONFIG`, else `./voxindex.yaml`. `Settings` reads its values as defaults under the
environment, so a VOXINDEX_* variable still overrides the file. Relative paths are relative to
the file. Secrets (API keys, passwords) stay in the environment, never in this file.

`parse_deployment` is pure (a dict in, a validated `Deployment` out, every mistake named with its
key); `load_deployment` is the I/O edge; `STARTER` is what `voxindex init` writes.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CONFIG_FILE = "voxindex.yaml"
CONNECTORS = ("zendesk", "appstore", "survey", "calls", "jsonl", "csv", "accounts")
SOURCE_KEYS = (
    "connector", "path", "map", "id_from", "time_format", "timezone", "encoding", "delimiter", "sheet", "channel", "schedule",
)
TOP_KEYS = ("elasticsearch", "taxonomy", "rules", "timezone", "sources")
ES_KEYS = {"url": "VOXINDEX_ES_URL", "index_prefix": "VOXINDEX_INDEX_PREFIX"}


class ConfigError(ValueError):
    """A mistake in voxindex.yaml, named by file and key."""


@dataclass(frozen=True)
class SourceConfig:
    name: str
    connector: str
    path: str
    field_map: dict[str, str] = field(default_factory=dict)
    id_from: tuple[str, ...] = ()
    time_format: tuple[str, ...] = ()
    timezone: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    channel: str | None = None
    schedule: str | None = None

    def files(self, base: Path) -> list[Path]:
        """The files the path or glob names, sorted (an export split by day reads in order)."""
        pattern = self.path if os.path.isabs(self.path) else str(base / self.path)
        if glob.has_magic(pattern):
            return sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        return [Path(pattern)]


@dataclass(frozen=True)
class Deployment:
    path: Path | None = None
    es_url: str | None = None
    index_prefix: str | None = None
    taxonomy: str | None = None
    rules: str | None = None
    timezone: str | None = None
    sources: tuple[SourceConfig, ...] = ()

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def settings_defaults(self) -> dict[str, str]:
        """VOXINDEX_* name -> value from the file, for Settings (the environment still wins)."""
        out = {
            "VOXINDEX_ES_URL": self.es_url,
            "VOXINDEX_INDEX_PREFIX": self.index_prefix,
            "VOXINDEX_TAXONOMY": self.taxonomy,
            "VOXINDEX_RULES_DIR": self.rules,
            "VOXINDEX_TIMEZONE": self.timezone,
        }
        return {k: v for k, v in out.items() if v}

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"{self.path}: no source named {name!r} (sources: {', '.join(s.name for s in self.sources) or 'none'})")


def _list(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip()) if "%" not in value else (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a string or a list of strings, got {value!r}")


def _map(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, str):
        from indexer.sources.mapped import parse_field_map

        try:
            return parse_field_map(value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if isinstance(value, dict):
        from indexer.sources.mapped import MAP_KEYS

        bad = [k for k in value if k not in MAP_KEYS]
        if bad:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, bad))}; use {', '.join(MAP_KEYS)}")
        return {str(k): str(v) for k, v in value.items()}
    raise ConfigError(f"{where}: expected KEY: COLUMN pairs, got {value!r}")


def _relative(base: Path, value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected a path, got {value!r}")
    return value if os.path.isabs(value) else str((base / value).resolve())


def parse_deployment(data: Any, path: Path | None = None) -> Deployment:
    where = str(path or CONFIG_FILE)
    base = path.parent if path else Path.cwd()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping at the top level")
    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; allowed: {', '.join(TOP_KEYS)}")
    es = data.get("elasticsearch") or {}
    if not isinstance(es, dict) or any(k not in ES_KEYS for k in es):
        raise ConfigError(f"{where}: elasticsearch: expected keys {', '.join(ES_KEYS)} (credentials go in VOXINDEX_ES_API_KEY etc.)")
    sources = []
    raw_sources = data.get("sources") or {}
    if not isinstance(raw_sources, dict):
        raise ConfigError(f"{where}: sources: expected a mapping of source name -> settings")
    for name, spec in raw_sources.items():
        at = f"{where}: sources.{name}"
        if not isinstance(spec, dict):
            raise ConfigError(f"{at}: expected a mapping")
        bad = [k for k in spec if k not in SOURCE_KEYS]
        if bad:
            raise ConfigError(f"{at}: unknown key(s) {', '.join(map(str, bad))}; allowed: {', '.join(SOURCE_KEYS)}")
        connector = spec.get("connector")
        if connector not in CONNECTORS:
            raise ConfigError(f"{at}.connector: {connector!r} is not one of {', '.join(CONNECTORS)}")
        if not isinstance(spec.get("path"), str) or not spec["path"].strip():
            raise ConfigError(f"{at}.path: required (a file or a glob such as exports/*.csv)")
        fmap = _map(spec.get("map"), f"{at}.map")
        id_from = _list(spec.get("id_from"), f"{at}.id_from")
        if fmap or id_from:
            from indexer.sources import MAPPED  # the connectors a field map drives

            if connector not in MAPPED:
                raise ConfigError(f"{at}: map and id_from apply to the {', '.join(MAPPED)} connectors only")
        strings = {}
        for key in ("timezone", "encoding", "delimiter", "sheet", "channel", "schedule"):
            value = spec.get(key)
            if value is not None and not isinstance(value, str):
                raise ConfigError(f"{at}.{key}: expected a string, got {value!r}")
            strings[key] = value
        if strings["schedule"]:
            _check_cron(strings["schedule"], f"{at}.schedule")
        if strings["timezone"]:
            _check_zone(strings["timezone"], f"{at}.timezone")
        tf = spec.get("time_format")
        sources.append(
            SourceConfig(
                name=str(name), connector=connector, path=spec["path"].strip(), field_map=fmap, id_from=id_from,
                time_format=(tf,) if isinstance(tf, str) else _list(tf, f"{at}.time_format"), **strings,
            )
        )
    if data.get("timezone"):
        _check_zone(str(data["timezone"]), f"{where}: timezone")
    return Deployment(
        path=path,
        es_url=es.get("url"),
        index_prefix=es.get("index_prefix"),
        taxonomy=_relative(base, data.get("taxonomy"), f"{where}: taxonomy"),
        rules=_relative(base, data.get("rules"), f"{where}: rules"),
        timezone=data.get("timezone"),
        sources=tuple(sources),
    )


def cron_trigger(value: str):
    from apscheduler.triggers.cron import CronTrigger

    return CronTrigger.from_crontab(value, timezone="UTC")


def _check_cron(value: str, where: str) -> None:
    if len(value.split()) != 5:
        raise ConfigError(f"{where}: {value!r} is not a 5-field cron expression (e.g. '*/15 * * * *')")
    try:
        cron_trigger(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {value!r}: {exc}") from None


def _check_zone(value: str, where: str) -> None:
    from indexer.sources.timeparse import zone

    try:
        zone(value)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def config_path(named: str | None = None) -> Path | None:
    """The file `named` by $VOXINDEX_CONFIG (Settings.config_file; it must exist), else
    ./voxindex.yaml when present."""
    if named:
        path = Path(named)
        if not path.is_file():
            raise ConfigError(f"VOXINDEX_CONFIG={named}: no such file (write one with `voxindex init`)")
        return path.resolve()
    here = Path.cwd() / CONFIG_FILE
    return here.resolve() if here.is_file() else None


_cache: dict[tuple[str, float], Deployment] = {}


def load_deployment(path: Path | None = None, named: str | None = None) -> Deployment:
    """The deployment file at `path`, else the one in effect (see config_path; an empty
    Deployment when there is none)."""
    import yaml

    path = path or config_path(named)
    if path is None:
        return Deployment()
    key = (str(path), path.stat().st_mtime)
    if key not in _cache:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from None
        _cache[key] = parse_deployment(data, path)
    return _cache[key]


STARTER = """\
# voxindex.yaml: one file for this deployment. `voxindex ingest` with no arguments ingests every
# source below; `voxindex ingest --sources NAME` only some. VOXINDEX_* environment variables
# override anything here; secrets (VOXINDEX_ES_API_KEY, VOXINDEX_ES_PASSWORD) stay in the environment.
# Relative paths are relative to this file.

elasticsearch:
  url: http://127.0.0.1:9200        # VOXINDEX_ES_URL
  index_prefix: voxindex            # VOXINDEX_INDEX_PREFIX: every index, alias and template starts with it

# taxonomy used when units are classified at ingest (VOXINDEX_TAXONOMY); default: the checkout's
# taxonomy/taxonomy.yaml. Copy it, edit it, and name your copy here.
# taxonomy: my-taxonomy.yaml
# detector rules, one YAML file each (VOXINDEX_RULES_DIR, Settings.rules_dir); default: the
# checkout's rules/. `voxindex detectors` does not read it yet: pass --rules DIR there.
# rules: rules/
# time zone for timestamps written without one (VOXINDEX_TIMEZONE): UTC, Europe/Paris, +02:00
timezone: UTC

sources:
  # A CSV export of customer tweets. Without `map`, the connector guesses it from the header
  # (text/body/message/comment/review..., date/created/timestamp..., id, email, rating...) and
  # prints the guess; `voxindex ingest --dry-run` shows how the first 20 records map.
  tweets:
    connector: csv                  # zendesk, appstore, survey, calls, jsonl, csv, accounts
    path: exports/tweets*.csv       # a file or a glob; .gz files are read as they are
    map:                            # canonical key: column in the file
      text: text
      created_at: tweet_created
      name: name
    id_from: [text, created_at]     # the export's id column is not unique: hash these instead
    time_format: ["%d-%m-%Y %H.%M", "%d-%m-%Y %H:%M"]   # strftime patterns, tried in order
    timezone: America/New_York      # for this source's timestamps without a zone
    channel: social
    # encoding: cp1252              # default: BOM, UTF-16 or UTF-8 detected, else cp1252
    # delimiter: tab                # default: sniffed from the header (comma, tab, semicolon, pipe)
    # sheet: Responses              # an Excel workbook's sheet (default: the first with a header row)
    schedule: "*/30 * * * *"        # cron (UTC): `voxindex ingest --schedule` runs it

  # reviews:
  #   connector: csv
  #   path: exports/reviews.tsv
  #   map: {text: verified_reviews, created_at: date, rating: rating}
  #   id_from: [verified_reviews, date, variation]
  #   channel: review
"""
