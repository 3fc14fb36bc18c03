"""Statistics the cluster cannot compute for us (no pipeline aggregations here), in one place.

Pure functions over plain counts, used by the detectors (spike, trend, closed-loop check) and
the search API's analytics. Two Poisson tests live here on purpose, each where it fits:

* `poisson_tail`: exact one-sided tail P(X >= observed | expected), for one window against an
  expectation from its history (spike rules, the closed-loop "is it back?" check), where counts
  are small and the normal approximation would be far off.
* `poisson_change_normal`: two equal windows compared with the normal approximation of the
  conditional binomial test, for the API's risers/fallers, where counts are large and the answer
  must be cheap for thousands of rows.
"""
from __future__ import annotations

import math
from statistics import mean, pstdev
from typing import Sequence


def poisson_tail(observed: int, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected): the chance of a count this high by luck."""
    if observed <= 0:
        return 1.0
    lam = max(expected, 1e-9)
    # sum the lower tail in log space; stable for the counts we see (up to tens of thousands)
    log_terms = [-lam + k * math.log(lam) - math.lgamma(k + 1) for k in range(observed)]
    top = max(log_terms)
    cdf = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return max(0.0, min(1.0, 1.0 - cdf))


def poisson_change_normal(current: int, previous: int) -> dict:
    """Two equal-length windows, counts c and p. Under 'no change', c | c+p ~ Binomial(c+p, 1/2);
    its normal approximation gives z = (c - p) / sqrt(c + p). p-value is two-sided."""
    total = current + previous
    z = (current - previous) / math.sqrt(total) if total else 0.0
    p_value = math.erfc(abs(z) / math.sqrt(2)) if total else 1.0
    ratio = (current + 0.5) / (previous + 0.5)  # smoothed so 0 -> n is finite
    return {
        "current": current,
        "previous": previous,
        "delta": current - previous,
        "ratio": round(ratio, 3),
        "z": round(z, 3),
        "p_value": round(p_value, 5),
        "significant": bool(total >= 5 and p_value < 0.05),
    }


def baseline_expectation(baseline: list[int], floor: float = 0.5) -> float:
    """Expected count per window from earlier windows; a floor keeps a never-seen key from
    having an expectation of zero (which would make any single unit infinitely surprising)."""
    return max(mean(baseline) if baseline else 0.0, floor)


def zscore(observed: float, baseline: list[int]) -> float:
    mu = mean(baseline) if baseline else 0.0
    sd = pstdev(baseline) if len(baseline) > 1 else 0.0
    # Poisson noise as the least spread: a flat baseline (sd 0) must not give an infinite z
    return (observed - mu) / max(sd, math.sqrt(max(mu, 1.0)))


def linear_slope(values: Sequence[float]) -> float:
    """Least-squares slope per step (per day for daily counts); 0 for fewer than two points."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den if den else 0.0


def loglinear_slope(counts: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope of log(count + 1) over day index, and its r².
    exp(slope) - 1 is the daily growth rate."""
    n = len(counts)
    if n < 3:
        return 0.0, 0.0
    xs = list(range(n))
    ys = [math.log(c + 1.0) for c in counts]
    mx, my = mean(xs), mean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    syy = sum((y - my) ** 2 for y in ys)
    slope = sxy / sxx if sxx else 0.0
    r2 = (sxy * sxy) / (sxx * syy) if sxx and syy else 0.0
    return slope, r2
