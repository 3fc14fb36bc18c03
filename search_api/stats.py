"""Small statistics for analytics: least-squares slope and a two-window Poisson z-test."""
from __future__ import annotations

import math


def slope(values: list[float]) -> float:
    """Least-squares slope per step (per day for daily counts); 0 for fewer than two points."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    num = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    den = sum((i - mean_x) ** 2 for i in range(n))
    return num / den if den else 0.0


def poisson_change(current: int, previous: int) -> dict:
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
