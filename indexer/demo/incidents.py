"""The volume model: background traffic with weekly seasonality and noise, app releases, and the
planted incidents that detectors must find on top of it."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from voxindex.model import iso

SOURCES = ("zendesk", "appstore", "survey", "calls", "jsonl", "csv")

# weekday mean records per day at scale 1.0 (Monday..Sunday factors below)
BASE_RATE = {"zendesk": 76, "appstore": 48, "survey": 50, "calls": 9, "jsonl": 28, "csv": 68}
WEEKDAY = {
    "business": (1.10, 1.08, 1.05, 1.0, 0.90, 0.42, 0.38),
    "appstore": (1.0, 0.97, 0.97, 0.98, 1.0, 0.88, 0.85),
    "calls": (1.05, 1.1, 1.1, 1.05, 0.8, 0.05, 0.02),
    "community": (1.0, 1.0, 1.0, 0.95, 0.9, 0.7, 0.65),
    "survey": (1.1, 1.05, 1.0, 1.0, 0.95, 0.5, 0.45),
}
PROFILE = {"zendesk": "business", "csv": "business", "appstore": "appstore", "calls": "calls",
           "jsonl": "community", "survey": "survey"}
# local business-hour shape (0..23), shifted by the region's UTC offset
HOUR_WEIGHTS = [1, 0.6, 0.4, 0.3, 0.3, 0.5, 1.2, 2.5, 5, 7, 7.5, 7, 5.5, 6.5, 7, 6.8, 6, 4.5, 3, 2.5, 2.2, 2, 1.6, 1.2]
UTC_OFFSET = {"NA": -6, "EU": 1, "APAC": 8, "LATAM": -3, None: 0}

RELEASES = [("4.6.0", -130), ("4.6.1", -112), ("4.7.0", -95), ("4.7.1", -80), ("4.7.2", -66), ("4.8.0", -52),
            ("4.8.1", -38), ("4.8.2", -25), ("4.8.3", -14), ("4.9.0", -5)]


class Releases:
    """Which app versions exist when, and which one a given user is likely running."""

    def __init__(self, end_day: date):
        self.dates = [(v, datetime.combine(end_day + timedelta(days=off), time(15, 0), timezone.utc))
                      for v, off in RELEASES]

    def released(self, version: str) -> datetime:
        return dict(self.dates)[version]

    def version_for(self, rng: random.Random, when: datetime) -> str:
        out = [v for v, d in self.dates if d <= when] or [self.dates[0][0]]
        latest_at = dict(self.dates).get(out[-1])
        age = (when - latest_at).total_seconds() / 86400 if latest_at and latest_at <= when else 30
        p_latest = min(0.8, 0.2 + 0.12 * age)  # adoption ramps over the first days after a release
        r = rng.random()
        if r < p_latest or len(out) == 1:
            return out[-1]
        if r < p_latest + (1 - p_latest) * 0.7 or len(out) == 2:
            return out[-2]
        return rng.choice(out[max(0, len(out) - 5):-2])

    def next_after(self, version: str) -> str:
        names = [v for v, _ in self.dates]
        i = names.index(version) if version in names else len(names) - 1
        return names[min(i + 1, len(names) - 1)] if i + 1 < len(names) else "4.9.1"


@dataclass
class Incident:
    id: str
    title: str
    theme: str
    sub_theme: str
    kind: str
    start_offset: int  # days relative to the end day
    profile: list[float]  # extra records per day at scale 1, from start_offset on
    sources: dict[str, float]
    filters: dict[str, str]
    segment_share: float = 1.0  # share of account-bound records drawn from the filtered segment
    start: datetime | None = None
    end: datetime | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "start": self.start and iso(self.start), "end": self.end and iso(self.end),
                "theme": self.theme, "sub_theme": self.sub_theme, "filters": self.filters, "kind": self.kind,
                "sources": sorted(self.sources)}


def default_incidents() -> list[Incident]:
    slow_burn = [round(7 * (1.045 ** k - 1), 3) for k in range(41)]
    return [
        Incident("inc-sync-482", "Sync failures after release 4.8.2 (enterprise)", "reliability", "sync-failure",
                 "spike", -25, [8, 16, 26, 32, 33, 31, 32, 30, 31, 29, 28, 17, 8, 3],
                 {"zendesk": 0.6, "csv": 0.3, "appstore": 0.1},
                 {"app_version": "4.8.2", "segment": "enterprise"}, segment_share=0.85),
        Incident("inc-eu-double-charge", "EU customers charged twice", "billing", "double-charge", "spike", -45,
                 [42, 34, 20, 9], {"zendesk": 0.7, "csv": 0.2, "survey": 0.1}, {"region": "EU"}),
        Incident("inc-slow-load-burn", "Slow loading getting steadily worse", "performance", "slow-load",
                 "slow-burn", -40, slow_burn,
                 {"zendesk": 0.35, "csv": 0.25, "appstore": 0.2, "survey": 0.1, "jsonl": 0.1}, {}),
    ]


@dataclass
class Spec:
    """One record to generate: when, which source, and whether an incident forces its first topic."""

    source: str
    created: datetime
    incident: Incident | None = None
    region: str | None = None


@dataclass
class VolumePlan:
    start_day: date
    end_day: date
    specs: list[Spec] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)


def _noisy_count(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    value = rng.gauss(mean, math.sqrt(mean) * 0.8)
    whole = int(max(0.0, value))
    return whole + (1 if rng.random() < value - whole else 0)


def business_time(rng: random.Random, day: date, region: str | None, lo: datetime, hi: datetime) -> datetime:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), timezone.utc)
    shifted = local - timedelta(hours=UTC_OFFSET.get(region, 0))
    return shifted if lo <= shifted <= hi else local


def plan_volume(rng: random.Random, end_day: date, days: int, scale: float,
                incidents: list[Incident] | None = None) -> VolumePlan:
    start_day = end_day - timedelta(days=days - 1)
    lo = datetime.combine(start_day, time(0), timezone.utc)
    hi = datetime.combine(end_day, time(23, 59, 59), timezone.utc)
    plan = VolumePlan(start_day, end_day)
    for inc in incidents if incidents is not None else default_incidents():
        first = end_day + timedelta(days=inc.start_offset)
        last = first + timedelta(days=len(inc.profile) - 1)
        if last < start_day:
            continue  # the incident falls before the window: not part of this dataset
        inc.start = datetime.combine(max(first, start_day), time(0), timezone.utc)
        inc.end = min(datetime.combine(last + timedelta(days=1), time(0), timezone.utc), hi)
        plan.incidents.append(inc)
    regions = ["NA", "EU", "APAC", "LATAM"]
    region_w = [0.45, 0.30, 0.15, 0.10]
    drift = 1.0
    for d in range(days):
        day = start_day + timedelta(days=d)
        drift = min(1.25, max(0.8, drift * math.exp(rng.gauss(0, 0.03))))  # slow random walk in demand
        day_noise = math.exp(rng.gauss(0, 0.08))
        for source in SOURCES:
            factor = WEEKDAY[PROFILE[source]][day.weekday()]
            n = _noisy_count(rng, BASE_RATE[source] * factor * drift * day_noise * scale)
            for _ in range(n):
                region = rng.choices(regions, weights=region_w)[0]
                plan.specs.append(Spec(source, business_time(rng, day, region, lo, hi), None, region))
        for inc in plan.incidents:
            k = (day - (end_day + timedelta(days=inc.start_offset))).days
            if not 0 <= k < len(inc.profile):
                continue
            n = _noisy_count(rng, inc.profile[k] * scale * (0.6 if day.weekday() >= 5 else 1.0))
            srcs = list(inc.sources)
            for _ in range(n):
                source = rng.choices(srcs, weights=[inc.sources[s] for s in srcs])[0]
                region = inc.filters.get("region") or rng.choices(regions, weights=region_w)[0]
                plan.specs.append(Spec(source, business_time(rng, day, region, lo, hi), inc, region))
    plan.specs.sort(key=lambda s: (s.source, s.created))
    return plan
