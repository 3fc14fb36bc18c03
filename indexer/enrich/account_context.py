"""Point-in-time account context: each unit carries the account *as it was* when the customer
spoke (ARR, plan, segment, health, renewal), not as it is today, so "enterprise ARR at risk
last March" means what it says. Parents also carry rollup_arr = own + children's ARR then."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from indexer.bulk import RetryPolicy, bulk_write
from voxindex.model import Account, AccountContext, FeedbackUnit


@dataclass
class AccountBook:
    """All accounts in memory, with the parent -> children map for roll-ups."""

    accounts: dict[str, Account] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, accounts: list[Account]) -> "AccountBook":
        book = cls({a.account_id: a for a in accounts})
        for a in accounts:
            if a.parent_account_id:
                book.children.setdefault(a.parent_account_id, []).append(a.account_id)
        return book

    def context_at(self, account_id: str | None, when: datetime) -> AccountContext:
        account = self.accounts.get(account_id or "")
        if account is None:
            return AccountContext(account_id=account_id)
        state = account.state_at(when)
        ctx = AccountContext(
            account_id=account.account_id,
            name=account.name,
            parent_account_id=account.parent_account_id,
            region=account.region,
        )
        if state is not None:
            ctx.arr, ctx.plan, ctx.segment = state.arr, state.plan, state.segment
            ctx.renewal_date, ctx.health, ctx.as_of = state.renewal_date, state.health, state.valid_from
        ctx.rollup_arr = self.rollup_arr(account.account_id, when)
        return ctx

    def rollup_arr(self, account_id: str, when: datetime, _seen: frozenset = frozenset()) -> float | None:
        """ARR of the account plus all descendants, each as of `when` (cycles ignored)."""
        account = self.accounts.get(account_id)
        if account is None or account_id in _seen:
            return None
        state = account.state_at(when)
        total = state.arr if state and state.arr is not None else None
        for child in self.children.get(account_id, []):
            sub = self.rollup_arr(child, when, _seen | {account_id})
            if sub is not None:
                total = (total or 0.0) + sub
        return total


def read_accounts_file(path: str | Path) -> list[Account]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                out.append(Account.from_doc(json.loads(line)).validate())
    return out


def load_book(es, settings) -> AccountBook:
    from elasticsearch import helpers

    accounts = []
    try:
        for hit in helpers.scan(es, index=settings.indices.accounts, query={"query": {"match_all": {}}}):
            accounts.append(Account.from_doc(hit["_source"]))
    except Exception as exc:
        if "index_not_found" not in str(exc):
            raise
    return AccountBook.of(accounts)


def index_accounts(es, settings, accounts: list[Account], refresh: bool | str = "wait_for") -> int:
    """Write accounts to the accounts index (idempotent: _id is the account id)."""
    actions = [
        {"_index": settings.indices.write_alias("accounts"), "_id": a.account_id, "_source": a.to_doc()} for a in accounts
    ]
    bulk_write(es, actions, RetryPolicy.from_settings(settings), "indexing accounts", refresh=refresh
               ).raise_for_failures("indexing accounts")
    return len(actions)


@dataclass
class AccountContextStage:
    book: AccountBook
    name: str = "account_context"

    def __call__(self, units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        for unit in units:
            if unit.account_id:
                unit.account = self.book.context_at(unit.account_id, unit.created_at)
        return units


def account_context_stage(settings, es=None, book: AccountBook | None = None) -> AccountContextStage:
    if book is None:
        if es is None:
            from voxindex.es import client

            es = client(settings)
        book = load_book(es, settings)
    return AccountContextStage(book)
