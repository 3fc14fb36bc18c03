"""Parameter declarations shared by the endpoints (see `spec.Param`)."""
from __future__ import annotations

from functools import lru_cache

from indexer.enrich.taxonomy import DEFAULT_TAXONOMY as TAXONOMY
from indexer.enrich.taxonomy import load_taxonomy
from voxindex.config import get_settings
from voxindex.model import CHANNELS, INTENTS, PLANS, SEGMENTS, SENTIMENTS, SEVERITIES, SOURCES

from .spec import Param

REGIONS = ("NA", "EU", "APAC", "LATAM")
# detectors.lifecycle.STATES, spelled here so the API document does not import the detectors
ALERT_STATES = ("open", "acknowledged", "assigned", "resolved", "validated")


def taxonomy_labels(path: str | None = None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Themes and sub-themes of the configured taxonomy (VOXINDEX_TAXONOMY / voxindex.yaml, else
    the checkout's), the one ingest labels units with."""
    return _labels(str(path or get_settings().taxonomy_path or TAXONOMY))


@lru_cache(maxsize=8)
def _labels(path: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tax = load_taxonomy(path)
    return tuple(sorted(tax.themes)), tuple(sorted(s.name for s in tax.sub_themes))


def filter_params() -> tuple[Param, ...]:
    themes, subs = taxonomy_labels()
    return (
        Param("from", "datetime", "only units created at or after this time (ISO-8601)"),
        Param("to", "datetime", "only units created before this time (ISO-8601)"),
        Param("source", "list", "sources (repeat or comma-separate)", enum=SOURCES),
        Param("channel", "list", "channels", enum=CHANNELS),
        Param("theme", "list", "taxonomy themes", enum=themes),
        Param("sub_theme", "list", "taxonomy sub-themes", enum=subs),
        Param("sentiment", "list", "sentiment labels", enum=SENTIMENTS),
        Param("severity", "list", "severity labels", enum=SEVERITIES),
        Param("intent", "list", "intent labels", enum=INTENTS),
        Param("segment", "list", "account segments at the time of the feedback", enum=SEGMENTS),
        Param("plan", "list", "account plans at the time of the feedback", enum=PLANS),
        Param("region", "list", "account regions", enum=REGIONS),
        Param("account", "list", "account ids", max_length=128),
        Param("app_version", "list", "app versions", max_length=64),
        Param("min_arr", "number", "minimum account ARR (analyst and admin only)", minimum=0, maximum=1e12),
        Param("max_arr", "number", "maximum account ARR (analyst and admin only)", minimum=0, maximum=1e12),
    )


def search_params() -> tuple[Param, ...]:
    return (
        Param("q", "string", "free-text query; without it the filtered units are listed newest first", max_length=500),
        Param("mode", "string", "hybrid (BM25 + kNN fused by reciprocal rank fusion), keyword or vector",
              default="hybrid", enum=("hybrid", "keyword", "vector")),
        *filter_params(),
        Param("include_non_customer", "boolean", "also return agent/bot/internal units (default: customer signal only)", default=False),
        Param("dedupe", "boolean", "one unit per duplicate group", default=False),
        Param("highlight", "boolean", "return highlighted fragments of `text`", default=True),
        Param("facets", "boolean", "return facet counts (first page only)", default=True),
        Param("sort", "string", "relevance, or newest/oldest (keyword mode or no q)", default="relevance",
              enum=("relevance", "newest", "oldest")),
        Param("size", "integer", "results per page", default=20, minimum=1, maximum=100),
        Param("cursor", "string", "the `next` token of the previous page", max_length=4096),
    )


def themes_params() -> tuple[Param, ...]:
    return (
        Param("days", "integer", "window length in days, ending at `to` (default: the newest unit)", default=30, minimum=1, maximum=365),
        Param("limit", "integer", "themes returned", default=20, minimum=1, maximum=100),
        *filter_params(),
    )


def trends_params() -> tuple[Param, ...]:
    return (
        Param("window", "string", "window length like 7d or 30d (1d-365d; `from` overrides it); compared with the window before it",
              default="30d", pattern=r"^([1-9]|[1-9][0-9]|[12][0-9][0-9]|3[0-5][0-9]|36[0-5])d$", max_length=4),
        Param("by", "string", "group by sub_theme or theme", default="sub_theme", enum=("sub_theme", "theme")),
        Param("limit", "integer", "risers and fallers returned", default=10, minimum=1, maximum=100),
        *filter_params(),
    )


ACCOUNT_PARAMS = (
    Param("days", "integer", "recent window in days (risk compares it with the window before)", default=30, minimum=1, maximum=365),
    Param("recent", "integer", "recent units returned", default=10, minimum=0, maximum=50),
    Param("to", "datetime", "end of the recent window (default: the account's newest unit)"),
)

ALERT_LIST_PARAMS = (
    Param("state", "list", "alert states (repeat or comma-separate)", enum=ALERT_STATES, max_items=5),
    Param("owner", "string", "owner or assignee", max_length=128),
    Param("size", "integer", "alerts returned", default=50, minimum=1, maximum=200),
)

TRANSITION_PARAMS = (
    Param("assignee", "string", "who gets the alert (assign)", max_length=128),
    Param("note", "string", "a note kept in the alert's history", max_length=2000),
    Param("external_ticket", "string", "e.g. JIRA-123", max_length=128),
)

UNIT_ID = Param("unit_id", "string", "the unit id", required=True, max_length=128)
ACCOUNT_ID = Param("account_id", "string", "the account id", required=True, max_length=128)
ALERT_ID = Param("alert_id", "string", "the alert id", required=True, max_length=128)

MAX_INGEST_RECORDS = 1000
INGEST_BODY = {
    "type": "object",
    "required": ["connector", "records"],
    "additionalProperties": False,
    "properties": {
        "connector": {"type": "string", "enum": [s for s in SOURCES if s != "api"],
                      "description": "which connector parses the records (same formats as the files)"},
        "records": {"type": "array", "minItems": 1, "maxItems": MAX_INGEST_RECORDS, "items": {"type": "object"}},
    },
}
