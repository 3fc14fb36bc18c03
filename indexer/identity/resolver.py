"""The in-memory resolver: deterministic rules first, then an explainable fuzzy score.

Order of rules for one observation (email, name, account):
1. no email                      -> anonymous: no person (app reviews, anonymous posts)
2. normalized email already known -> that person (gmail dots, +tags, case folded)
3. role address (support@, billing@ ...) -> its own shared-inbox person, never merged
4. fuzzy: candidates in the same account (or same company domain); score =
   0.60 * name similarity + 0.25 * same account/domain + 0.15 * email local-part similarity,
   merged when score >= threshold and the names agree (surname veto)
5. otherwise a new person.
An address seen with clearly different names is a shared inbox: flagged, and split out of
any person it was merged into. Every merge and split is a Decision with its reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from voxindex.model import Person, stable_id, to_jsonable, utcnow

from .normalize import canonical_given_name, is_free_mail, is_role_address, key_hash, normalize_email, normalize_name, split_email

DEFAULT_THRESHOLD = 0.80
NAME_GATE = 0.85  # below this name similarity nothing merges, however strong the rest is
W_NAME, W_ORG, W_LOCAL = 0.60, 0.25, 0.15


@dataclass
class Decision:
    decision_id: str
    action: str  # merge | split | undo
    person_id: str | None
    other_person_id: str | None
    keys: list[str]
    rule: str
    reason: str
    score: float | None = None
    at: datetime = field(default_factory=utcnow)
    undone: bool = False
    undone_by: str | None = None

    def to_doc(self) -> dict:
        return to_jsonable(self)


@dataclass
class MatchScore:
    score: float
    name: float
    org: float
    local: float
    reason: str
    veto: str | None = None


def person_id_for_email(email: str) -> str:
    return stable_id("person", email)


# ------------------------------------------------------------------ similarity (pure)


def _token_sim(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if canonical_given_name(a) == canonical_given_name(b):
        return 0.95  # Bob / Robert
    if len(a) == 1 or len(b) == 1:  # an initial
        return 0.9 if a[0] == b[0] else 0.0
    if len(a) >= 3 and len(b) >= 3 and (a.startswith(b) or b.startswith(a)):
        return 0.9  # Rob / Robert, Chris / Christopher
    return JaroWinkler.similarity(a, b)


def name_similarity(a: str | None, b: str | None) -> tuple[float, str]:
    """Similarity of two names in [0, 1] with a one-line why. Given names and surnames must
    both agree (initials and nicknames count as agreeing at 0.9/0.95): colleagues who share a
    surname, or a given name, are different humans. A lone given name is weak (capped at 0.80)."""
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return 0.0, "no name"
    if na == nb:
        return 1.0, f"same name '{na}'"
    ta, tb = na.split(), nb.split()
    if len(ta) >= 2 and len(tb) >= 2:
        first = _token_sim(ta[0], tb[0])
        last = _token_sim(ta[-1], tb[-1])
        sim = (first + last) / 2
        if first < 0.85 or last < 0.85:
            sim = min(sim, 0.5)
        initials = sum(1 for x in (ta[0], tb[0]) if len(x) == 1) + sum(1 for x in (ta[-1], tb[-1]) if len(x) == 1)
        if initials >= 2:  # "N. Thomas" ~ "Nathan T." says too little
            sim = min(sim, 0.8)
        return sim, f"names '{na}'~'{nb}' given {first:.2f} surname {last:.2f}"
    sim = min(0.80, _token_sim(ta[0], tb[0]))
    return sim, f"given name only '{na}'~'{nb}' {sim:.2f}"


def _local_forms(name: str) -> set[str]:
    t = normalize_name(name).split()
    if not t:
        return set()
    forms = {t[0]}
    if len(t) >= 2:
        f, l = t[0], t[-1]
        forms |= {f + l, f + "." + l, f + "_" + l, f[0] + l, f[0] + "." + l, f + l[0], l + f, l}
    return forms


def _bare_local(email: str) -> str:
    return re.sub(r"\d+$", "", split_email(email)[0]) or split_email(email)[0]  # dana.smith93 -> dana.smith


def local_similarity(email: str, person: Person, name: str | None) -> float:
    local = _bare_local(email)
    best = 0.0
    for other in person.emails:
        best = max(best, fuzz.ratio(local, _bare_local(other)) / 100.0)
    for n in list(person.names) + ([name] if name else []):
        for form in _local_forms(n):
            best = max(best, fuzz.ratio(local, form) / 100.0)
    return best


def names_clearly_different(a: str | None, b: str | None) -> bool:
    """Two names that cannot be one human (used to spot shared inboxes)."""
    na, nb = normalize_name(a), normalize_name(b)
    if not na or not nb:
        return False
    ta, tb = na.split(), nb.split()
    if set(ta) & set(tb):
        return False
    if any(_token_sim(x, y) >= 0.85 for x in ta for y in tb):
        return False
    return fuzz.token_sort_ratio(na, nb) < 60


# ------------------------------------------------------------------ the resolver


class Resolver:
    """Persons indexed by normalized email, contact id, account and company domain."""

    def __init__(
        self,
        domain_accounts: dict[str, str] | None = None,
        threshold: float = DEFAULT_THRESHOLD,
        blocked: Iterable[tuple[str, str]] = (),
        erased: Iterable[str] = (),
    ):
        self.domain_accounts = {d.lower(): a for d, a in (domain_accounts or {}).items()}
        self.threshold = threshold
        self.blocked: set[tuple[str, str]] = set(blocked)
        self.erased: set[str] = set(erased)  # key_hash("email", ...) of erased addresses
        self.persons: dict[str, Person] = {}
        self.by_email: dict[str, str] = {}
        self.by_contact: dict[str, str] = {}
        self.by_org: dict[str, set[str]] = {}  # "acc:<id>" / "dom:<domain>" -> person ids
        self.by_name: dict[str, set[str]] = {}  # normalized full name (2+ words) -> person ids
        self.decisions: list[Decision] = []
        self.dirty: set[str] = set()  # person ids to write back
        self.deleted: set[str] = set()

    # -------------------------------------------------------------- indexing

    def _org_keys(self, person: Person) -> set[str]:
        keys = set()
        if person.account_id:
            keys.add("acc:" + person.account_id)
        for e in person.emails:
            domain = split_email(e)[1]
            if not is_free_mail(domain):
                keys.add("dom:" + domain)
        return keys

    def add(self, person: Person, dirty: bool = False) -> Person:
        self.persons[person.person_id] = person
        for e in person.emails:
            self.by_email[e] = person.person_id
        for c in person.contact_ids:
            self.by_contact[c] = person.person_id
        for k in self._org_keys(person):
            self.by_org.setdefault(k, set()).add(person.person_id)
        if not person.is_shared_inbox:
            for n in person.names:
                key = normalize_name(n)
                if len(key.split()) >= 2:
                    self.by_name.setdefault(key, set()).add(person.person_id)
        if dirty:
            self.dirty.add(person.person_id)
        return person

    def _reindex(self, person: Person) -> None:
        for index in (self.by_org, self.by_name):
            for ids in index.values():
                ids.discard(person.person_id)
        self.add(person, dirty=True)

    def account_for(self, email: str) -> str | None:
        return self.domain_accounts.get(split_email(email)[1])

    # -------------------------------------------------------------- scoring

    def score(self, email: str, name: str | None, account_id: str | None, person: Person) -> MatchScore:
        """Explainable score that (email, name) is the same human as `person`."""
        if person.is_shared_inbox or person.is_anonymous:
            return MatchScore(0.0, 0, 0, 0, "shared inbox / anonymous: never merged", veto="shared")
        if account_id and person.account_id and account_id != person.account_id:
            return MatchScore(0.0, 0, 0, 0, f"different accounts {account_id} vs {person.account_id}", veto="account")
        name_sim, name_why = max((name_similarity(name, n) for n in person.names), default=(0.0, "no name"))
        domain = split_email(email)[1]
        if account_id and person.account_id == account_id:
            org, org_why = 1.0, f"same account {account_id}"
        elif not is_free_mail(domain) and any(split_email(e)[1] == domain for e in person.emails):
            org, org_why = 0.6, f"same company domain {domain}"
        elif is_free_mail(domain) and self.by_name.get(normalize_name(name)) == {person.person_id}:
            # a personal address carries no company; a full name held by exactly one person does
            org, org_why = 0.6, "personal address, full name unique among persons"
        else:
            org, org_why = 0.0, "no shared account or domain"
        local = local_similarity(email, person, name)
        total = W_NAME * name_sim + W_ORG * org + W_LOCAL * local
        reason = f"{name_why} ({name_sim:.2f}); {org_why}; local-part {local:.2f} -> {total:.2f}"
        veto = None if name_sim >= NAME_GATE else "name"
        return MatchScore(round(total, 4), name_sim, org, local, reason, veto=veto)

    def candidates(self, email: str, account_id: str | None, name: str | None = None) -> list[Person]:
        ids: set[str] = set()
        if account_id:
            ids |= self.by_org.get("acc:" + account_id, set())
        domain = split_email(email)[1]
        if not is_free_mail(domain):
            ids |= self.by_org.get("dom:" + domain, set())
        elif name:
            same_name = self.by_name.get(normalize_name(name), set())
            if len(same_name) == 1:
                ids |= same_name
        return [self.persons[i] for i in sorted(ids) if i in self.persons]

    def best_match(self, email: str, name: str | None, account_id: str | None) -> tuple[Person | None, MatchScore | None]:
        best: tuple[Person | None, MatchScore | None] = (None, None)
        other_id = person_id_for_email(email)
        for person in self.candidates(email, account_id, name):
            if (person.person_id, other_id) in self.blocked:
                continue
            s = self.score(email, name, account_id, person)
            if s.veto is None and (best[1] is None or s.score > best[1].score):
                best = (person, s)
        return best

    # -------------------------------------------------------------- resolving

    def resolve(
        self,
        email: str | None,
        name: str | None = None,
        account_id: str | None = None,
        contact_id: str | None = None,
        at: datetime | None = None,
    ) -> Person | None:
        e = normalize_email(email)
        if e is None:
            return None  # anonymous: never merged with anyone
        if key_hash("email", e) in self.erased:
            return None
        now = at or utcnow()
        account_id = account_id or self.account_for(e)

        pid = self.by_email.get(e) or (self.by_contact.get(contact_id) if contact_id else None)
        if pid:
            person = self.persons[pid]
            if e not in person.emails:  # same CRM contact id, new address
                self._merge_into(person, e, name, contact_id, account_id, "same-contact", f"same CRM contact {contact_id}", 1.0, now)
                return person
            return self._observe(person, e, name, contact_id, account_id, now)

        if is_role_address(e):
            return self._new_person(e, name, account_id, contact_id, now, shared=True)

        if name:
            match, s = self.best_match(e, name, account_id)
            if match is not None and s is not None and s.score >= self.threshold:
                self._merge_into(match, e, name, contact_id, account_id, "fuzzy", s.reason, s.score, now)
                return match
        return self._new_person(e, name, account_id, contact_id, now)

    def _new_person(self, e, name, account_id, contact_id, now, shared=False) -> Person:
        pid = person_id_for_email(e)
        if pid in self.persons:  # the address was this person's first one and is now split out
            pid = stable_id("person", "shared", e)
        person = Person(
            person_id=pid,
            names=[name.strip()] if name and name.strip() else [],
            emails=[e],
            account_id=account_id,
            contact_ids=[contact_id] if contact_id else [],
            is_shared_inbox=shared,
            created_at=now,
            updated_at=now,
        )
        return self.add(person, dirty=True)

    def _merge_into(self, person, e, name, contact_id, account_id, rule, reason, score, now) -> None:
        other_id = person_id_for_email(e)
        keys = [key_hash("email", e)]
        if e not in person.emails:
            person.emails.append(e)
        if contact_id and contact_id not in person.contact_ids:
            person.contact_ids.append(contact_id)
            keys.append("contact:" + contact_id)
        if name and name.strip() and name.strip() not in person.names:
            person.names.append(name.strip())
            keys.append(key_hash("name", name.strip()))
        if not person.account_id and account_id:
            person.account_id = account_id
        person.updated_at = now
        self._reindex(person)
        self.decisions.append(
            Decision(
                decision_id=stable_id("merge", person.person_id, other_id),
                action="merge",
                person_id=person.person_id,
                other_person_id=other_id,
                keys=keys,
                rule=rule,
                reason=reason,
                score=score,
                at=now,
            )
        )

    def _observe(self, person, e, name, contact_id, account_id, now) -> Person:
        """A known address seen again; a clearly different name makes it a shared inbox."""
        if contact_id and contact_id not in person.contact_ids:
            person.contact_ids.append(contact_id)
            self._reindex(person)
        if person.is_shared_inbox or not name or not name.strip():
            return person
        name = name.strip()
        if name in person.names:
            return person
        if person.names and all(names_clearly_different(name, n) for n in person.names):
            return self._mark_shared(person, e, name, now)
        person.names.append(name)
        person.updated_at = now
        self._reindex(person)
        return person

    def _mark_shared(self, person: Person, e: str, name: str, now: datetime) -> Person:
        reason = f"address used by clearly different names ({len(person.names) + 1} names)"
        if len(person.emails) == 1:
            person.is_shared_inbox = True
            person.updated_at = now
            self._reindex(person)
            self.decisions.append(
                Decision(stable_id("split", person.person_id, "shared"), "split", person.person_id, None,
                         [key_hash("email", e)], "shared-inbox", reason + ": flagged shared inbox", None, now)
            )
            return person
        # the address had been merged into a human: split it back out as a shared inbox
        person.emails.remove(e)
        self.by_email.pop(e, None)
        self._reindex(person)
        shared = self._new_person(e, None, person.account_id, None, now, shared=True)
        if shared is person:  # impossible, but keep ids distinct if the first address is split out
            raise AssertionError("split produced the same person")
        self.decisions.append(
            Decision(stable_id("split", person.person_id, shared.person_id), "split", person.person_id, shared.person_id,
                     [key_hash("email", e)], "shared-inbox", reason + ": split out of a merged person", None, now)
        )
        return shared

    # -------------------------------------------------------------- output

    def take_changes(self) -> tuple[list[Person], list[Decision], list[str]]:
        persons = [self.persons[i] for i in sorted(self.dirty) if i in self.persons]
        decisions, deleted = self.decisions, sorted(self.deleted)
        self.dirty, self.decisions, self.deleted = set(), [], set()
        return persons, decisions, deleted
