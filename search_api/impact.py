"""Theme impact on scores and net sentiment per theme: pure functions over grouped responses.

Impact follows the usual definition: how much the overall score would move if the responses
that mention a theme disappeared, `impact = score(all) - score(all without the theme)`. With
p the share of responses mentioning the theme and T, R the mean per-response contribution of
theme and other responses, `impact = p * (T - R)` exactly, so a rare theme cannot have a large
impact however unhappy its respondents are (which is what makes it a ranking of work).

Scores are means of a per-response contribution: NPS counts a promoter (9-10) as +100 and a
detractor (0-6) as -100; CSAT counts a satisfied answer (4-5) as 100; stars are the rating.
The 95% interval is analytic (delta method over p, T and R, which are asymptotically
independent), so it is cheap enough to compute for every theme on every request; the
coverage test in tests/test_impact.py checks it against simulated data with a known impact.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable

Z95 = 1.959963984540054


def nps_contribution(rating: float) -> float:
    return 100.0 if rating >= 9 else -100.0 if rating <= 6 else 0.0


def csat_contribution(rating: float) -> float:
    return 100.0 if rating >= 4 else 0.0


def stars_contribution(rating: float) -> float:
    return float(rating)


@dataclass(frozen=True)
class Metric:
    """A rated source and how one answer contributes to its score."""

    name: str
    label: str
    source: str
    tag: str | None  # survey type stored in `tags`, when one source carries several scores
    low: float
    high: float
    contribution: Callable[[float], float]
    unit: str  # what one point of the score is


METRICS: dict[str, Metric] = {
    "nps": Metric("nps", "NPS", "survey", "nps", 0, 10, nps_contribution, "NPS point"),
    "csat": Metric("csat", "CSAT (% satisfied)", "survey", "csat", 1, 5, csat_contribution, "percentage point"),
    "stars": Metric("stars", "App-store stars", "appstore", None, 1, 5, stars_contribution, "star"),
}


@dataclass(frozen=True)
class Response:
    """One rated answer (a survey response, a review) and every label its units carry."""

    key: str
    rating: float
    value: float  # the metric's contribution of this answer
    labels: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


@dataclass(frozen=True)
class ThemeImpact:
    label: str
    count: int  # responses mentioning the label
    total: int  # responses in the population
    share: float
    score_all: float | None
    score_without: float | None
    score_theme: float | None
    impact: float | None
    ci95: Interval | None
    mean_rating_theme: float | None
    mean_rating_rest: float | None


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _var(xs: list[float], mean: float) -> float:
    """Sample variance (n - 1), 0 for fewer than two values."""
    return sum((x - mean) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else 0.0


def mean_value(responses: list[Response]) -> float | None:
    """The metric's score of a set of responses."""
    return _mean([x.value for x in responses])


def impact_interval(theme: list[float], rest: list[float]) -> Interval | None:
    """95% interval for p * (T - R) by the delta method; None when either side is too small."""
    m, r = len(theme), len(rest)
    n = m + r
    if m < 2 or r < 2:
        return None
    p = m / n
    t_mean, r_mean = sum(theme) / m, sum(rest) / r
    var = ((t_mean - r_mean) ** 2 * p * (1 - p) + p * _var(theme, t_mean) + p * p * _var(rest, r_mean) / (1 - p)) / n
    est = p * (t_mean - r_mean)
    half = Z95 * math.sqrt(var)
    return Interval(est - half, est + half)


def theme_impact(label: str, responses: list[Response]) -> ThemeImpact:
    theme = [x for x in responses if label in x.labels]
    rest = [x for x in responses if label not in x.labels]
    tv, rv = [x.value for x in theme], [x.value for x in rest]
    all_score = _mean(tv + rv)
    without = _mean(rv)
    return ThemeImpact(
        label=label, count=len(theme), total=len(responses),
        share=len(theme) / len(responses) if responses else 0.0,
        score_all=all_score, score_without=without, score_theme=_mean(tv),
        impact=(all_score - without) if all_score is not None and without is not None and theme else None,
        ci95=impact_interval(tv, rv),
        mean_rating_theme=_mean([x.rating for x in theme]), mean_rating_rest=_mean([x.rating for x in rest]),
    )


def impacts(responses: list[Response], labels: Iterable[str] | None = None, min_count: int = 1) -> list[ThemeImpact]:
    """Every label (or the ones asked for) with at least `min_count` responses, most negative impact first."""
    wanted = set(labels) if labels is not None else {lab for x in responses for lab in x.labels}
    rows = [theme_impact(lab, responses) for lab in sorted(wanted)]
    rows = [r for r in rows if r.count >= min_count]
    return sorted(rows, key=lambda r: (r.impact if r.impact is not None else math.inf, -r.count, r.label))


def group_responses(units: Iterable[dict], metric: Metric, level: str) -> list[Response]:
    """Units (flat dicts: source, source_record_id, rating, theme, sub_theme lists) -> one Response
    per raw record. A record split into several units mentions every label any of them carries."""
    by_key: dict[str, tuple[float, set[str]]] = {}
    for u in units:
        rating = u.get("rating")
        if rating is None:
            continue
        key = f"{u.get('source')}:{u.get('source_record_id')}"
        labels = u.get(level) or []
        entry = by_key.setdefault(key, (float(rating), set()))
        entry[1].update(labels if isinstance(labels, list) else [labels])
    return [Response(k, r, metric.contribution(r), frozenset(labs)) for k, (r, labs) in sorted(by_key.items())]


@dataclass(frozen=True)
class NetSentiment:
    positive: int
    neutral: int
    negative: int
    total: int
    net: float | None  # % positive - % negative, in points
    ci95: Interval | None


def net_sentiment(mix: dict[str, int]) -> NetSentiment:
    """Net sentiment with a multinomial 95% interval: Var(p+ - p-) = (p+ + p- - (p+ - p-)^2) / n."""
    pos, neg, neu = mix.get("positive", 0), mix.get("negative", 0), mix.get("neutral", 0)
    total = pos + neg + neu + sum(v for k, v in mix.items() if k not in ("positive", "negative", "neutral"))
    if not total:
        return NetSentiment(pos, neu, neg, 0, None, None)
    pp, pn = pos / total, neg / total
    net = pp - pn
    half = Z95 * math.sqrt(max(0.0, pp + pn - net * net) / total)
    return NetSentiment(pos, neu, neg, total, round(100 * net, 2),
                        Interval(round(100 * (net - half), 2), round(100 * (net + half), 2)))


def change(current: float | None, previous: float | None) -> float | None:
    if current is None or previous is None:
        return None
    return current - previous
