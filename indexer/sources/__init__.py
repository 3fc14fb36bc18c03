"""Connectors: one module per export format. `get_connector(name)` builds one by name."""
from __future__ import annotations

from .accounts import AccountsConnector
from .appstore import AppStoreConnector
from .base import Bad, Connector, Parsed, Part
from .calls import CallsConnector
from .csv import CsvConnector
from .jsonl import JsonlConnector
from .survey import SurveyConnector
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


def get_connector(name: str, **options) -> Connector | AccountsConnector:
    if name == "accounts":
        return AccountsConnector()
    try:
        cls = FEEDBACK_CONNECTORS[name]
    except KeyError:
        raise ValueError(f"unknown source {name!r}; choose one of {', '.join(CONNECTOR_NAMES)}") from None
    return cls(**options) if options else cls()


__all__ = [
    "AccountsConnector", "Bad", "Connector", "Parsed", "Part", "FEEDBACK_CONNECTORS",
    "CONNECTOR_NAMES", "get_connector",
]
