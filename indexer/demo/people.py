"""Demo humans and CRM contacts: several emails per human, name typos, shared inboxes.

A `Human` is the truth (one identity cluster); a `Contact` is what the CRM holds. One human can be
several contacts (work + alias + personal email, differently spelled names); one shared inbox
contact (support@, billing@...) is used by several humans of the same account.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from . import vocab
from .accounts import DemoAccount, slug, ts


@dataclass
class Human:
    idx: int
    cluster: str
    first: str
    last: str
    account: DemoAccount | None
    title: str
    emails: list[str] = field(default_factory=list)  # [work, alias?, personal?] (work first when affiliated)
    personal_email: str | None = None
    contact_ids: list[str] = field(default_factory=list)
    names_used: list[str] = field(default_factory=list)  # every spelling that appears in any file
    shared_inbox: "SharedInbox | None" = None
    seen: bool = False  # appears in some feedback file

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"

    def use_name(self, name: str) -> str:
        if name not in self.names_used:
            self.names_used.append(name)
        return name


@dataclass
class SharedInbox:
    email: str
    name: str
    account: DemoAccount
    contact_id: str
    users: list[Human] = field(default_factory=list)


@dataclass
class Contact:
    contact_id: str
    name: str
    email: str
    account_id: str | None
    title: str
    updated_at: str


@dataclass
class Population:
    humans: list[Human]
    contacts: list[Contact]
    shared: list[SharedInbox]
    user_ids: dict[str, int]  # email -> Zendesk user id (stable per address, as Zendesk keys users)
    unaffiliated: list[Human]


def name_variant(rng: random.Random, first: str, last: str) -> str:
    """A realistic misspelling or alternative form of a name, never equal to the original."""
    full = f"{first} {last}"
    options = []
    if first in vocab.NICKNAMES:
        options.append(f"{vocab.NICKNAMES[first]} {last}")
    if last in vocab.SPELLING_VARIANTS:
        options.append(f"{first} {vocab.SPELLING_VARIANTS[last]}")
    if first in vocab.SPELLING_VARIANTS:
        options.append(f"{vocab.SPELLING_VARIANTS[first]} {last}")
    if len(last) > 4:
        i = rng.randint(1, len(last) - 3)
        options.append(f"{first} {last[:i]}{last[i + 1]}{last[i]}{last[i + 2:]}")  # swapped letters
        options.append(f"{first} {last[:i]}{last[i + 1:]}")  # dropped letter
    options += [f"{first[0]}. {last}", f"{first} {last[0]}.", full.lower(), f"{last}, {first}", full.upper()]
    options = [o for o in options if o != full]
    return rng.choice(options)


def _work_email(rng: random.Random, first: str, last: str, domain: str, style: int | None = None) -> str:
    f, l = slug(first), slug(last)
    styles = [f"{f}.{l}", f"{f[0]}{l}", f"{f}", f"{f}{l[0]}", f"{f}_{l}", f"{f[0]}.{l}"]
    local = styles[style if style is not None else rng.choices(range(6), weights=[5, 3, 1, 1, 1, 1])[0]]
    return f"{local}@{domain}"


def _personal_email(rng: random.Random, first: str, last: str) -> str:
    f, l = slug(first), slug(last)
    local = rng.choice([f"{f}.{l}{rng.randint(70, 99)}", f"{f}{l[0]}{rng.randint(1, 999)}", f"{f}{l}",
                        f"{l}.{f}", f"{f[0]}{l}{rng.randint(10, 99)}", f"the{f}{l[0]}"])
    return f"{local}@{rng.choice(vocab.PERSONAL_DOMAINS)}"


def build_population(rng: random.Random, accounts: list[DemoAccount], end: datetime,
                     n_unaffiliated: int = 150) -> Population:
    humans: list[Human] = []
    contacts: list[Contact] = []
    shared: list[SharedInbox] = []
    taken: set[str] = set()

    def unique(email: str) -> str:
        local, dom = email.split("@")
        out, k = email, 2
        while out in taken:
            out = f"{local}{k}@{dom}"
            k += 1
        taken.add(out)
        return out

    def add_contact(name: str, email: str, account_id: str | None, title: str) -> str:
        cid = f"ct_{len(contacts) + 1:05d}"
        updated = end - timedelta(days=rng.randint(0, 400), hours=rng.randint(0, 23), minutes=rng.randint(0, 59))
        contacts.append(Contact(cid, name, email, account_id, title, ts(updated)))
        return cid

    def new_human(account: DemoAccount | None) -> Human:
        first, last = rng.choice(vocab.FIRST_NAMES), rng.choice(vocab.LAST_NAMES)
        h = Human(len(humans), f"h_{len(humans) + 1:04d}", first, last, account, rng.choice(vocab.TITLES))
        humans.append(h)
        return h

    for acc in accounts:
        size = {"enterprise": (15, 30), "mid-market": (6, 14)}.get(acc.segment, (2, 5))
        for _ in range(rng.randint(*size)):
            h = new_human(acc)
            work = unique(_work_email(rng, h.first, h.last, acc.domains[0]))
            h.emails.append(work)
            in_crm = rng.random() < 0.92
            if in_crm:
                name = h.full if rng.random() < 0.85 else name_variant(rng, h.first, h.last)
                h.contact_ids.append(add_contact(h.use_name(name), work, acc.account_id, h.title))
            if rng.random() < 0.10:  # an alias on the same or second domain
                dom = acc.domains[-1]
                alias = unique(_work_email(rng, h.first, h.last, dom, style=rng.choice([1, 2, 5])))
                if alias != work:
                    h.emails.append(alias)
                    if rng.random() < 0.6:
                        name = h.full if rng.random() < 0.5 else name_variant(rng, h.first, h.last)
                        h.contact_ids.append(add_contact(h.use_name(name), alias, acc.account_id, h.title))
            if rng.random() < 0.18:
                personal = unique(_personal_email(rng, h.first, h.last))
                h.personal_email = personal
                h.emails.append(personal)
                if rng.random() < 0.3:
                    name = h.full if rng.random() < 0.4 else name_variant(rng, h.first, h.last)
                    h.contact_ids.append(add_contact(h.use_name(name), personal, acc.account_id, h.title))
            acc.humans.append(h)
        if len(acc.humans) >= 3 and rng.random() < 0.3:
            for box in rng.sample(vocab.SHARED_INBOXES, rng.choice([1, 1, 2])):
                email = f"{box}@{acc.domains[0]}"
                if email in taken:
                    continue
                taken.add(email)
                label = {"it": "IT", "ops": "Ops"}.get(box, box.capitalize())
                name = f"{acc.name.split(' ')[0]} {label}" if rng.random() < 0.5 else f"{label} Team"
                inbox = SharedInbox(email, name, acc, add_contact(name, email, acc.account_id, "Shared inbox"))
                inbox.users = rng.sample(acc.humans, min(len(acc.humans), rng.randint(2, 4)))
                for u in inbox.users:
                    if u.shared_inbox is None:
                        u.shared_inbox = inbox
                acc.shared_inboxes.append(inbox)
                shared.append(inbox)

    unaffiliated = []
    for _ in range(n_unaffiliated):  # free users and prospects: personal email, not in the CRM
        h = new_human(None)
        h.personal_email = unique(_personal_email(rng, h.first, h.last))
        h.emails.append(h.personal_email)
        unaffiliated.append(h)

    user_ids: dict[str, int] = {}
    for h in humans:
        for e in h.emails:
            user_ids[e] = 100_000 + len(user_ids)
    for s in shared:
        user_ids[s.email] = 100_000 + len(user_ids)
    return Population(humans, contacts, shared, user_ids, unaffiliated)
