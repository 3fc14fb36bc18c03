"""The one registry of detector rule types.

Each type is a fetch step that queries Elasticsearch and returns typed counts, and a pure
`judge(counts, rule, at) -> findings` that decides (elastalert2's split: every judge is tested
on hand-built counts without a cluster). Rule validation (rules.py: type names, per-type
defaults, methods), the runner, the backtest and the docs all read this table; adding a rule
type is one module with `fetch` and `judge` plus one entry here."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Mapping

from elasticsearch import Elasticsearch

from voxindex.config import IndexNames

from . import account_risk, flatline, impact_rule, new_term, schema_change, spike, trend
from .finding import Finding
from .rule import Rule


@dataclass(frozen=True)
class RuleType:
    name: str
    fetch: Callable[[Elasticsearch, IndexNames, Rule, datetime], Any]
    judge: Callable[[Any, Rule, datetime], list[Finding]]
    summary: str
    defaults: Mapping[str, Any] = field(default_factory=dict)  # what a rule means when a field is left out
    methods: tuple[str, ...] = ()  # allowed values of `method`, the first being the default; () = not used
    claims_theme: bool = False  # its alerts claim a theme/sub-theme incident: the backtest scores them


RULE_TYPES: dict[str, RuleType] = {t.name: t for t in (
    RuleType("spike", spike.fetch, spike.judge,
             "current window vs its baseline windows (Poisson tail or z-score), over any dimension",
             {"dimension": ["theme"], "window": "1d", "baseline_windows": 7, "min_count": 5,
              "threshold": 0.001, "method": "poisson", "min_ratio": 2.0},
             methods=("poisson", "zscore"), claims_theme=True),
    RuleType("trend", trend.fetch, trend.judge,
             "sustained growth: log-linear slope on weekly-smoothed daily counts",
             {"dimension": ["sub_theme"], "window": "1d", "days": 14, "min_count": 20,
              "threshold": 0.03, "min_r2": 0.5},
             claims_theme=True),
    RuleType("new_term", new_term.fetch, new_term.judge,
             "a value (or combination) with units now and none in the baseline, or significant_terms",
             {"dimension": ["sub_theme"], "window": "1d", "baseline": "30d", "min_count": 3,
              "threshold": 0.0, "method": "unseen"},
             methods=("unseen", "significant"), claims_theme=True),
    RuleType("flatline", flatline.fetch, flatline.judge,
             "a source (or group) that stopped delivering",
             {"dimension": ["source"], "window": "1d", "baseline_windows": 7, "min_count": 5, "threshold": 0}),
    RuleType("schema_change", schema_change.fetch, schema_change.judge,
             "a connector's latest run saw other fields than the run before",
             {"dimension": ["connector"], "window": "7d", "min_count": 1, "threshold": 0}),
    RuleType("account_risk", account_risk.fetch, account_risk.judge,
             "negative or churn-risk feedback from high-ARR or renewing accounts",
             {"dimension": ["account"], "window": "7d", "min_count": 1, "threshold": 0,
              "min_arr": 100000.0, "renewal_within": "60d"}),
    # method is the score; threshold the points of worsening
    RuleType("impact", impact_rule.fetch, impact_rule.judge,
             "a theme's drag on NPS, CSAT or stars worsened significantly against the window before",
             {"dimension": ["sub_theme"], "window": "30d", "min_count": 10, "threshold": 5.0, "method": "nps"},
             methods=("nps", "csat", "stars")),
)}
