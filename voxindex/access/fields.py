"""Friendly field names (URL params, rules, watches, links) -> feedback-index paths. The only table:
the search API, the detectors, the web view and the reports all read it, so `account` cannot mean
`account_id` in one place and `account.account_id` in another again."""
from __future__ import annotations

FIELDS: dict[str, str] = {
    "theme": "taxonomy.theme",
    "sub_theme": "taxonomy.sub_theme",
    "primary_theme": "taxonomy.primary_theme",
    "primary_sub_theme": "taxonomy.primary_sub_theme",
    "segment": "account.segment",
    "region": "account.region",
    "plan": "account.plan",
    "health": "account.health",
    # the unit's own account id: set on every unit, also when the account book does not know it
    "account": "account_id",
    "account_name": "account.name",
    "app_version": "app_version",
    "source": "source",
    "channel": "channel",
    "connector": "connector",
    "product_area": "product_area",
    "locale": "locale",
    "tags": "tags",
    "sentiment": "sentiment.label",
    "intent": "intent.label",
    "severity": "severity.label",
    "speaker_role": "speaker_role",
}

# the term filters a request (API, web view, report link) may carry, in URL order
FILTER_NAMES: tuple[str, ...] = ("source", "channel", "theme", "sub_theme", "sentiment", "severity", "intent",
                                 "segment", "plan", "region", "account", "app_version")


def es_field(name: str) -> str:
    """Friendly name -> index path; a dotted index path is accepted as is."""
    if name in FIELDS:
        return FIELDS[name]
    if name in FIELDS.values() or name == "account.account_id":
        return name
    raise KeyError(name)
