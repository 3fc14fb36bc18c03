"""Statistics the cluster cannot compute for us (no pipeline aggregations here): Poisson
tail, z-score, log-linear slope. Pure functions over plain counts."""
from __future__ import annotations

import math
from statistics import mean, pstdev


def poisson_sf(observed: int, expected: float) -> float:
    """P(X >= observed) for X ~ Poisson(expected): the chance of a count this high by luck."""
    if observed <= 0:
        return 1.0
    lam = max(expected, 1e-9)
    # sum the lower tail in log space; stable for the counts we see (up to tens of thousands)
    log_terms = [-lam + k * math.log(lam) - math.lgamma(k + 1) for k in range(observed)]
    top = max(log_terms)
    cdf = math.exp(top) * sum(math.exp(t - top) for t in log_terms)
    return max(0.0, min(1.0, 1.0 - cdf))


def baseline_expectation(baseline: list[int], floor: float = 0.5) -> float:
    """Expected count per window from earlier windows; a floor keeps a never-seen key from
    having an expectation of zero (which would make any single unit infinitely surprising)."""
    return max(mean(baseline) if baseline else 0.0, floor)


def zscore(observed: float, baseline: list[int]) -> float:
    mu = mean(baseline) if baseline else 0.0
    sd = pstdev(baseline) if len(baseline) > 1 else 0.0
    # Poisson noise as the least spread: a flat baseline (sd 0) must not give an infinite z
    return (observed - mu) / max(sd, math.sqrt(max(mu, 1.0)))


def loglinear_slope(counts: list[int]) -> tuple[float, float]:
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
