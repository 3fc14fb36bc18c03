"""Demo accounts: ~200 companies with parents/subsidiaries and ARR/plan/health history."""
from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from . import vocab

REGION_WEIGHTS = {"NA": 0.45, "EU": 0.30, "APAC": 0.15, "LATAM": 0.10}
SEGMENT_WEIGHTS = {"enterprise": 0.18, "mid-market": 0.35, "smb": 0.47}


@dataclass
class DemoAccount:
    account_id: str
    name: str
    domains: list[str]
    parent_account_id: str | None
    region: str
    country: str
    segment: str
    history: list[dict] = field(default_factory=list)
    humans: list = field(default_factory=list)  # people.Human, filled by people.build_population
    shared_inboxes: list = field(default_factory=list)

    def state_at(self, when: datetime) -> dict:
        current = self.history[0]
        stamp = ts(when)
        for entry in self.history:
            if entry["valid_from"] <= stamp:
                current = entry
        return current

    def to_record(self) -> dict:
        return {"account_id": self.account_id, "name": self.name, "domains": self.domains,
                "parent_account_id": self.parent_account_id, "region": self.region, "country": self.country,
                "history": self.history}


def ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(text: str) -> str:
    text = text.replace("ü", "ue").replace("ö", "oe").replace("ä", "ae").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _arr(rng: random.Random, segment: str, plan: str) -> float:
    if plan == "free":
        return 0.0
    lo, hi = {"enterprise": (80_000, 600_000), "mid-market": (15_000, 80_000)}.get(
        segment, {"starter": (1_200, 6_000), "pro": (5_000, 15_000)}.get(plan, (1_200, 15_000)))
    return float(round(rng.uniform(lo, hi), -2))


def _plan(rng: random.Random, segment: str) -> str:
    if segment == "enterprise":
        return "enterprise"
    if segment == "mid-market":
        return rng.choices(["pro", "enterprise"], weights=[0.6, 0.4])[0]
    return rng.choices(["free", "starter", "pro"], weights=[0.2, 0.4, 0.4])[0]


def _history(rng: random.Random, segment: str, end: datetime, window_start: datetime) -> list[dict]:
    start = (end - timedelta(days=rng.randint(100, 900))).replace(hour=0, minute=0, second=0)
    plan = _plan(rng, segment)
    arr = _arr(rng, segment, plan)
    health = rng.choices(["green", "yellow", "red"], weights=[0.65, 0.25, 0.10])[0]
    renewal = start.date() + timedelta(days=365)
    while renewal < (window_start - timedelta(days=60)).date():
        renewal += timedelta(days=365)
    entries = [dict(valid_from=start, arr=arr, plan=plan, segment=segment, renewal_date=renewal, health=health)]
    # renewals inside the window re-price the contract
    if window_start.date() <= renewal <= end.date():
        new_arr = float(round(arr * rng.uniform(0.85, 1.3), -2)) if arr else 0.0
        entries.append(dict(valid_from=datetime.combine(renewal, datetime.min.time(), timezone.utc), arr=new_arr,
                            plan=plan, segment=segment, renewal_date=renewal + timedelta(days=365),
                            health=rng.choice(["green", "green", "yellow"])))
    # expansions, contractions and health changes, some before the window and some inside it
    for _ in range(rng.choices([0, 1, 2, 3], weights=[0.25, 0.4, 0.25, 0.1])[0]):
        when = (end - timedelta(days=rng.randint(1, 200), hours=rng.randint(0, 23))).replace(minute=0, second=0)
        if when <= start:
            continue
        prev = max((e for e in entries if e["valid_from"] <= when), key=lambda e: e["valid_from"])
        change = rng.random()
        new = dict(prev, valid_from=when)
        if change < 0.45 and prev["arr"]:
            new["arr"] = float(round(prev["arr"] * rng.uniform(1.05, 1.45), -2))
            new["health"] = "green"
        elif change < 0.65 and prev["arr"]:
            new["arr"] = float(round(prev["arr"] * rng.uniform(0.6, 0.95), -2))
            new["health"] = rng.choice(["yellow", "red"])
        elif change < 0.8 and prev["plan"] in ("free", "starter"):
            new["plan"] = "pro" if prev["plan"] == "starter" else "starter"
            new["arr"] = _arr(rng, segment, new["plan"])
        else:
            new["health"] = rng.choice(["green", "yellow", "red"])
        entries.append(new)
    entries.sort(key=lambda e: e["valid_from"])
    out, seen = [], set()
    for e in entries:
        if e["valid_from"] in seen:
            continue
        seen.add(e["valid_from"])
        out.append({"valid_from": ts(e["valid_from"]), "arr": e["arr"], "plan": e["plan"], "segment": e["segment"],
                    "renewal_date": e["renewal_date"].isoformat(), "health": e["health"]})
    return out


def build_accounts(rng: random.Random, end: datetime, window_start: datetime, n_accounts: int = 200) -> list[DemoAccount]:
    names = [f"{p} {s}" for p in vocab.COMPANY_PREFIXES for s in vocab.COMPANY_SUFFIXES]
    rng.shuffle(names)
    used_prefix: set[str] = set()
    used_domains: set[str] = set()
    accounts: list[DemoAccount] = []

    def new_id() -> str:
        return f"acc_{len(accounts) + 1:04d}"

    def domain_for(base: str, tld: str) -> str:
        d = f"{base}.{tld}"
        k = 2
        while d in used_domains:
            d = f"{base}{k}.{tld}"
            k += 1
        used_domains.add(d)
        return d

    n_parents = 18
    name_iter = iter(names)
    while len(accounts) < n_accounts:
        name = next(name_iter)
        prefix, suffix = name.split(" ", 1)
        # one brand per prefix keeps domains readable; a few prefixes repeat with a different suffix
        base = slug(prefix) if prefix not in used_prefix else slug(prefix + suffix)
        used_prefix.add(prefix)
        region = _pick(rng, REGION_WEIGHTS)
        country = rng.choice(vocab.REGION_COUNTRIES[region])
        is_parent = sum(1 for a in accounts if a.parent_account_id is None and getattr(a, "_parent", False)) < n_parents \
            and rng.random() < 0.2
        segment = rng.choice(["enterprise", "enterprise", "mid-market"]) if is_parent else _pick(rng, SEGMENT_WEIGHTS)
        domains = [domain_for(base, vocab.COUNTRY_TLD[country])]
        if rng.random() < 0.15:
            domains.append(domain_for(slug(name), "com" if not domains[0].endswith(".com") else "io"))
        acc = DemoAccount(new_id(), name, domains, None, region, country, segment,
                          _history(rng, segment, end, window_start))
        acc._parent = is_parent  # type: ignore[attr-defined]
        accounts.append(acc)
        if not is_parent:
            continue
        for _ in range(rng.randint(1, 3)):
            if len(accounts) >= n_accounts:
                break
            sub_region = rng.choice([region, _pick(rng, REGION_WEIGHTS)])
            sub_country = rng.choice([c for c in vocab.REGION_COUNTRIES[sub_region] if c != country] or [country])
            sub_seg = rng.choice(["enterprise", "mid-market", "mid-market", "smb"])
            sub_domains = [domain_for(base, vocab.COUNTRY_TLD[sub_country])] if rng.random() < 0.7 else list(domains[:1])
            accounts.append(DemoAccount(new_id(), f"{name} {vocab.SUBSIDIARY_SUFFIX[sub_country]}", sub_domains,
                                        acc.account_id, sub_region, sub_country, sub_seg,
                                        _history(rng, sub_seg, end, window_start)))
    for a in accounts:
        a.__dict__.pop("_parent", None)
    return accounts


def renewal_of(acc: DemoAccount, when: datetime) -> str:
    return acc.state_at(when)["renewal_date"]


def as_date(text: str) -> date:
    return date.fromisoformat(text)
