"""Connectors: one module per export format. `get_connector(name)` builds one by name."""
from __future__ import annotations

from pathlib import Path

from .accounts import AccountsConnector
from .appstore import AppStoreConnector
from .base import Bad, Connector, Parsed, Part
from .calls import CallsConnector
from .csv import CsvConnector
from .jsonl import JsonlConnector
from .readers import FileOptions, is_workbook, parse_delimiter, read_head
from .survey import SurveyConnector
from .timeparse import TimeParser
from .zendesk import ZendeskConnector

# feedback connectors in the order `voxindex ingest DIR` runs them (accounts run before these)
FEEDBACK_CONNECTORS: dict[str, type[Connector]] = {
    "zendesk": ZendeskConnector,
    "appstore": AppStoreConnector,
    "survey": SurveyConnector,
    "calls": CallsConnector,
    "jsonl": JsonlConnector,
    "csv": CsvConnector,
}
CONNECTOR_NAMES = ("accounts", *FEEDBACK_CONNECTORS)


GENERIC = ("jsonl", "csv")
MAPPED = (*GENERIC, "survey")  # a field map drives these (mapped.MappedConnector): --map, --id-from
_SUFFIX_FORMAT = {".csv": "csv", ".tsv": "csv", ".tab": "csv", ".psv": "csv", ".txt": "csv",
                  ".xlsx": "csv", ".xlsm": "csv",  # a workbook's sheet is rows under a header, like a CSV
                  ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}


def get_connector(name: str, **options) -> Connector | AccountsConnector:
    if name == "accounts":
        return AccountsConnector()
    try:
        cls = FEEDBACK_CONNECTORS[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(CONNECTOR_NAMES)}") from None
    return cls(**options) if options else cls()


def make_connector(
    name: str,
    field_map: dict[str, str] | None = None,
    id_from: list[str] | tuple[str, ...] | None = None,
    channel: str | None = None,
    time_format: list[str] | tuple[str, ...] | None = None,
    timezone: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> Connector | AccountsConnector:
    """A connector configured for one deployment's files (CLI flags or a voxindex.yaml source)."""
    if (field_map or id_from) and name not in MAPPED:
        raise ValueError(f"--map and --id-from apply to the connectors a field map drives ({', '.join(MAPPED)}) only")
    if channel and name not in GENERIC:
        raise ValueError("--channel applies to the generic jsonl and csv connectors only")
    options = {"field_map": field_map, "channel": channel, "id_from": id_from} if name in MAPPED else {}
    connector = get_connector(name, **{k: v for k, v in options.items() if v})
    if isinstance(connector, Connector):
        connector.configure(TimeParser.build(time_format, timezone), FileOptions(encoding, parse_delimiter(delimiter), sheet))
    return connector


def connector_for_file(path: str | Path) -> str:
    """The connector for a file named on its own: a demo default name (tickets.jsonl -> zendesk),
    else the generic csv or jsonl connector by extension (a trailing .gz ignored), else by content."""
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    for connector in CONNECTOR_NAMES:
        if get_connector(connector).default_filename == name:
            return connector
    fmt = _SUFFIX_FORMAT.get(Path(name).suffix.lower())
    if fmt:
        return fmt
    if is_workbook(path):
        return "csv"
    head = read_head(path, 200).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "jsonl" if head[:1] in (b"{", b"[") else "csv"


__all__ = [
    "AccountsConnector", "Bad", "Connector", "Parsed", "Part", "FEEDBACK_CONNECTORS",
    "CONNECTOR_NAMES", "get_connector", "make_connector", "connector_for_file",
]
