"""Account context is point in time: a unit gets the account state in force when it was
created, and a parent account's units carry the roll-up of its children's ARR at that time."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from voxindex.model import FeedbackUnit

FIXTURE = Path(__file__).parent / "fixtures" / "trust"


def _unit(uid, account_id, when) -> FeedbackUnit:
    return FeedbackUnit(unit_id=uid, source_record_id=uid, source="zendesk", channel="ticket", connector="zendesk",
                        text="feedback", created_at=when, account_id=account_id)


def _at(month, day):
    return datetime(2026, month, day, 12, tzinfo=timezone.utc)


def test_a_unit_gets_the_account_state_in_force_when_it_was_created():
    from indexer.enrich.account_context import AccountBook, AccountContextStage, read_accounts_file

    stage = AccountContextStage(AccountBook.of(read_accounts_file(FIXTURE / "accounts.jsonl")))
    before, after = stage([_unit("a", "acc_0001", _at(7, 1)), _unit("b", "acc_0001", _at(9, 1))])
    assert (before.account.arr, before.account.health) == (120000.0, "green")
    assert (after.account.arr, after.account.health) == (150000.0, "yellow")
    assert before.account.as_of == datetime(2026, 5, 1, tzinfo=timezone.utc)
    assert after.account.as_of == datetime(2026, 8, 15, tzinfo=timezone.utc)
    assert after.account.name == "Northwind Traders" and after.account.region == "EU"


def test_parents_roll_up_their_childrens_arr_at_that_time_and_children_name_their_parent():
    from indexer.enrich.account_context import AccountBook, AccountContextStage, read_accounts_file

    stage = AccountContextStage(AccountBook.of(read_accounts_file(FIXTURE / "accounts.jsonl")))
    aug, sep, child = stage([_unit("a", "acc_0001", _at(8, 20)), _unit("b", "acc_0001", _at(9, 2)), _unit("c", "acc_0002", _at(9, 2))])
    assert aug.account.rollup_arr == 150000.0 + 30000.0
    assert sep.account.rollup_arr == 150000.0 + 45000.0  # the child's September upgrade counts from then on
    assert child.account.parent_account_id == "acc_0001" and child.account.arr == 45000.0
    assert child.account.plan == "enterprise" and child.account.health == "red"


def test_units_without_a_known_account_are_left_without_context():
    from indexer.enrich.account_context import AccountBook, AccountContextStage

    none, unknown = AccountContextStage(AccountBook())([_unit("a", None, _at(9, 1)), _unit("b", "acc_9999", _at(9, 1))])
    assert none.account.arr is None and unknown.account.arr is None and unknown.account.account_id == "acc_9999"


def test_the_stage_reads_accounts_from_the_index_once(es, settings):
    from indexer.enrich.account_context import account_context_stage, index_accounts, read_accounts_file

    index_accounts(es, settings, read_accounts_file(FIXTURE / "accounts.jsonl"))
    stage = account_context_stage(settings, es)
    assert len(stage.book.accounts) == 3
    [u] = stage([_unit("a", "acc_0002", _at(6, 1))])
    assert u.account.arr == 30000.0
    assert u.to_doc()["account"]["as_of"] == "2026-05-01T00:00:00Z"
