"""`voxindex identity ...` and `voxindex erase ...`."""
from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "identity",
        help="inspect, explain and undo identity resolution (who said what)",
        description="Every merge and split identity resolution makes is logged with its rule, reason and score.\n"
        "List them, explain how an address resolves, undo a wrong merge, or load CRM contacts.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="identity_command", metavar="ACTION")

    m = sub.add_parser("merges", help="list recent merge/split/undo decisions, newest first")
    m.add_argument("--action", choices=("merge", "split", "undo"), help="only this kind of decision")
    m.add_argument("--person", help="only decisions about this person_id")
    m.add_argument("--limit", type=int, default=30, help="how many (default 30)")
    m.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    m.set_defaults(func=_merges)

    u = sub.add_parser("undo", help="undo a merge or split by its decision id (see `identity merges`)")
    u.add_argument("decision_id")
    u.add_argument("--actor", default="cli", help="who is undoing it, for the log (default: cli)")
    u.set_defaults(func=_undo)

    e = sub.add_parser("explain", help="how an email address resolves: its person, the decisions, near candidates")
    e.add_argument("email")
    e.add_argument("--name", help="a display name to score fuzzy candidates with")
    e.set_defaults(func=_explain)

    c = sub.add_parser("load-contacts", help="build/update persons from a CRM export (people.csv)")
    c.add_argument("path", help="people.csv: contact_id,name,email,account_id,title,updated_at")
    c.set_defaults(func=_load_contacts)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    r = subparsers.add_parser(
        "erase",
        help="erase one person: delete (or re-redact) all their feedback and their identity record",
        description="Right to erasure. Finds the person by email or person_id, deletes every feedback unit tied to\n"
        "them (or, with --mode redact, re-redacts and detaches them), removes their emails and names from\n"
        "the people index, and writes an audit record (the address is stored only as a hash).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    who = r.add_mutually_exclusive_group(required=True)
    who.add_argument("--email", help="any address of the person")
    who.add_argument("--person", help="the person_id")
    r.add_argument("--mode", choices=("delete", "redact"), default="delete", help="delete units (default) or re-redact them")
    r.add_argument("--actor", default="cli", help="who requested the erase, for the audit log")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    r.set_defaults(func=_erase)


def _ctx():
    from voxindex.config import get_settings
    from voxindex.es import client

    settings = get_settings()
    return client(settings), settings


def _merges(args) -> int:
    from .store import list_decisions

    es, settings = _ctx()
    rows = list_decisions(es, settings, action=args.action, person_id=args.person, size=args.limit)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no identity decisions yet (run `voxindex ingest DIR` first)")
        return 0
    for d in rows:
        flag = " (undone)" if d.get("undone") else ""
        score = f"{d['score']:.2f}" if d.get("score") is not None else "  - "
        print(f"{d['decision_id']}  {d['at'][:19]}  {d['action']:<5} {d.get('rule') or '':<14} {score}  "
              f"{d.get('person_id')} <- {d.get('other_person_id')}{flag}\n    {d.get('reason')}")
    return 0


def _undo(args) -> int:
    from .store import undo

    es, settings = _ctx()
    d = undo(es, settings, args.decision_id, actor=args.actor)
    print(f"undone: {args.decision_id} (logged as {d.decision_id}); persons {d.person_id} and {d.other_person_id} "
          "are separate again. Units keep their person_id until re-enriched.")
    return 0


def _explain(args) -> int:
    from .normalize import normalize_email
    from .store import find_person_by_email, list_decisions, load_resolver

    es, settings = _ctx()
    email = normalize_email(args.email)
    if email is None:
        raise ValueError(f"{args.email!r} is not an email address")
    print(f"normalized: {email}")
    person = find_person_by_email(es, settings, email)
    if person:
        kind = "shared inbox" if person.is_shared_inbox else "person"
        print(f"{kind} {person.person_id}  account={person.account_id}  emails={len(person.emails)}  "
              f"names={person.names}  contacts={person.contact_ids}")
        for d in list_decisions(es, settings, person_id=person.person_id, size=20):
            print(f"  {d['action']} {d['decision_id']} rule={d.get('rule')} score={d.get('score')}: {d.get('reason')}")
        return 0
    print("not resolved to any person yet; candidates it would be scored against:")
    resolver = load_resolver(es, settings)
    account = resolver.account_for(email)
    for cand in resolver.candidates(email, account, args.name)[:10]:
        s = resolver.score(email, args.name, account, cand)
        verdict = "merge" if s.veto is None and s.score >= resolver.threshold else f"no ({s.veto or 'below threshold'})"
        print(f"  {cand.person_id} {s.score:.2f} {verdict}: {s.reason}")
    return 0


def _load_contacts(args) -> int:
    from .contacts import load_contacts

    es, settings = _ctx()
    print(json.dumps(load_contacts(es, settings, args.path, progress=True), indent=2))
    return 0


def _erase(args) -> int:
    from indexer.erase import erase

    target = args.email or args.person
    if not args.yes and sys.stdin.isatty():
        answer = input(f"erase everything tied to {target} ({args.mode})? type 'erase' to confirm: ")
        if answer.strip() != "erase":
            print("cancelled")
            return 1
    es, settings = _ctx()
    result = erase(es, settings, email=args.email, person_id=args.person, mode=args.mode, actor=args.actor)
    print(json.dumps(result.to_dict(), indent=2))
    return 1 if result.errors else 0
