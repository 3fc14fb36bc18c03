"""PII redaction: every planted type is found, redacted text keeps nothing clear, the stage
covers text, title and context, and ordinary feedback is left alone."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from voxindex.model import ContextTurn, FeedbackUnit

FIXTURE = Path(__file__).parent / "fixtures" / "trust"

CASES = {
    "EMAIL_ADDRESS": ["You can reach me directly at dana.smith@northwind.co.uk.", "cc j.o.e+test@gmail.com on this please."],
    "PHONE_NUMBER": ["Call me at +1 (415) 555-0132 if that's easier.", "My number is 212-555-0188.",
                     "Feel free to ring me on +44 20 7946 0123.", "phone: +65 0522 5369", "Best to call +49 30 12345678."],
    "CREDIT_CARD": ["The card is 4111 1111 1111 1111.", "Both charges are on card 5500-0000-0000-0004.",
                    "card number 378282246310005 in case you need it."],
    "IBAN_CODE": ["Our IBAN is DE89 3704 0044 0532 0130 00.", "Bank details for the refund: GB29NWBK60161331926819."],
    "API_KEY": ["Here's the key we're using: vx_live_8fK2mQ9xLr4TzW1bN7cDq3Ws5Ty6Uz7A",
                "The failing request uses the token sk-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "our aws key AKIAIOSFODNN7EXAMPLE is in the log"],
    "ADDRESS": ["Our billing address is 742 Market Street, Suite 400, San Francisco, CA 94105.",
                "The invoice should go to Friedrichstraße 12, 10117 Berlin.", "We moved, new address is 12 Baker Street, London SW1A 1JU.",
                "Send it to Rue de Rivoli 8, 75001 Paris.", "Ship to 300 Broadway, Austin, TX 78701."],
    "PERSON": ["Hi, this is John Carter from Northwind.", "Thanks,\nMaria Gonzalez", "Regards, Tom", "love the app\n- Tom",
               "Hello, Priya Patel here.", "my name is Sofia Rossi and I manage billing", "Best, Wei"],
}
VALUES = {
    "EMAIL_ADDRESS": ["dana.smith@northwind.co.uk", "j.o.e+test@gmail.com"],
    "PHONE_NUMBER": ["+1 (415) 555-0132", "212-555-0188", "+44 20 7946 0123", "+65 0522 5369", "+49 30 12345678"],
    "CREDIT_CARD": ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"],
    "IBAN_CODE": ["DE89 3704 0044 0532 0130 00", "GB29NWBK60161331926819"],
    "API_KEY": ["vx_live_8fK2mQ9xLr4TzW1bN7cDq3Ws5Ty6Uz7A", "sk-Ab3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3",
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
                "AKIAIOSFODNN7EXAMPLE"],
    "ADDRESS": ["742 Market Street, Suite 400, San Francisco, CA 94105", "Friedrichstraße 12, 10117 Berlin",
                "12 Baker Street, London SW1A 1JU", "Rue de Rivoli 8, 75001 Paris", "300 Broadway, Austin, TX 78701"],
    "PERSON": ["John Carter", "Maria Gonzalez", "Tom", "Tom", "Priya Patel", "Sofia Rossi", "Wei"],
}


@pytest.fixture(scope="session")
def redactor():
    from indexer.enrich.pii import PiiRedactor

    return PiiRedactor()  # builds the presidio engine once for the session


@pytest.mark.parametrize("pii_type", sorted(CASES))
def test_every_planted_value_of_each_type_is_found_and_typed(redactor, pii_type):
    from indexer.enrich.pii import detect

    for text, value in zip(CASES[pii_type], VALUES[pii_type]):
        start = text.index(value)
        spans = detect(text)
        covering = [s for s in spans if s.start <= start and s.end >= start + len(value)]
        assert covering, f"{pii_type} not found in {text!r}: {spans}"
        assert covering[0].type == pii_type, f"{value!r} typed {covering[0].type}"


def test_redacted_text_keeps_no_planted_value(redactor):
    from indexer.enrich.pii import redact_text

    for pii_type, texts in CASES.items():
        for text, value in zip(texts, VALUES[pii_type]):
            clean, types = redact_text(text)
            assert value not in clean, clean
            assert f"<{pii_type}>" in clean
            assert pii_type in types


def test_ordinary_feedback_is_left_alone(redactor):
    from indexer.enrich.pii import detect

    for text in [
        "Sync is stuck since the 4.8.2 update on iOS 17.2, ticket 48213 from 2026-09-01.",
        "I'm really happy with version 5, exports take 30 seconds now.",
        "Please add dark mode. Monday standups would be easier with a calendar view.",
        "The Android app crashes when I open a task with 200 comments.",
    ]:
        assert detect(text) == [], text


def _unit(**kw) -> FeedbackUnit:
    base = dict(unit_id="u1", source_record_id="1", source="zendesk", channel="ticket", connector="zendesk",
                text="x", created_at=datetime(2026, 9, 1, tzinfo=timezone.utc))
    base.update(kw)
    return FeedbackUnit(**base)


def test_stage_redacts_text_title_and_every_context_turn(redactor):
    unit = _unit(
        title="Refund to DE89 3704 0044 0532 0130 00",
        text="Charged twice, reach me at dana@northwind.com.\n\nThanks,\nDana",
        author_name="Dana Smith",
        author_email="dana@northwind.com",
        context=[ContextTurn("agent", "Hi Dana, could you share the card? Best, Alex Morgan", "c2")],
    )
    [out] = redactor([unit])
    assert "DE89" not in out.title and "<IBAN_CODE>" in out.title
    assert "dana@northwind.com" not in out.text and "Dana" not in out.text
    assert "Dana" not in out.context[0].text and "Alex Morgan" not in out.context[0].text
    assert set(out.pii_types) >= {"EMAIL_ADDRESS", "IBAN_CODE", "PERSON"} and out.pii_redacted


def test_a_thread_turn_seen_again_as_context_is_redacted_the_same_without_detecting_again(redactor, monkeypatch):
    from indexer.enrich import pii

    turn = "Hi Dana, could you share the card 4111 1111 1111 1111? Best, Alex Morgan"
    units = [_unit(unit_id=f"u{i}", text=f"Reply {i}: call me at 212-555-0188", author_name="Dana Smith",
                   context=[ContextTurn("agent", turn, "c2")]) for i in range(3)]
    calls = []
    real = pii.detect
    monkeypatch.setattr(pii, "detect", lambda *a, **kw: calls.append(a[0]) or real(*a, **kw))
    fresh = pii.PiiRedactor(gazetteer=redactor.gazetteer)
    out = fresh(units)
    assert calls.count(turn) == 1  # the two later units reuse the spans of the first
    assert {u.context[0].text for u in out} == {redact_text_of(turn, ["Dana Smith"])}
    assert all("4111" not in u.context[0].text and "212-555" not in u.text for u in out)


def redact_text_of(text: str, names: list[str]) -> str:
    from indexer.enrich.pii import detect, redact

    return redact(text, detect(text, names))


def test_the_authors_own_name_is_redacted_wherever_it_appears(redactor):
    unit = _unit(text="Kwame asked me to write in; Asante here, our admin Kwame Asante agrees.", author_name="Kwame Asante")
    [out] = redactor([unit])
    assert "Kwame" not in out.text and "Asante" not in out.text, out.text


def test_a_unit_without_pii_is_not_marked_redacted(redactor):
    [out] = redactor([_unit(text="The board view is slow with many columns.")])
    assert out.pii_types == [] and out.pii_redacted is False


def test_known_contact_names_are_redacted_through_the_gazetteer(redactor):
    from indexer.enrich.pii import NameGazetteer, redact_text

    clean, types = redact_text("Please loop in Kwame Asante and Ingrid Nowak.", gazetteer=NameGazetteer(["Kwame Asante", "Ingrid Nowak"]))
    assert clean == "Please loop in <PERSON> and <PERSON>."


def test_pii_eval_reports_precision_and_recall_per_type(redactor):
    from indexer.evals import pii

    m = pii.run(FIXTURE)
    assert m["planted"] == 16
    assert m["recall"] >= 0.9 and m["precision"] >= 0.9
    assert set(m["per_type"]) >= {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "API_KEY", "PERSON", "ADDRESS", "IBAN_CODE"}
    assert "PERSON" in pii.format(m)


# ------------------------------------------------------------------ URLs, lowercase names, the light redactor

URL_CASES = [
    # (text, clear values that must go, what must stay)
    ("see https://help.acme.com/hc/requests?email=jo@x.com&lang=en", ["jo@x.com"], ["https://help.acme.com/hc/requests?email=", "&lang=en"]),
    ("https://app.acme.com/users/jo@x.com/settings", ["jo@x.com"], ["https://app.acme.com/users/", "/settings"]),
    ("https://app.acme.com/login?email=jo%40x.com&next=/home", ["jo%40x.com"], ["next=/home"]),
    ("https://app.acme.com/customers/48213/orders", ["48213"], ["https://app.acme.com/customers/", "/orders"]),
    ("https://api.acme.com/v1/export?token=Zx81kPq0aLm3Nw7Rt5Yv&format=csv", ["Zx81kPq0aLm3Nw7Rt5Yv"], ["format=csv"]),
    ("https://acme.com/cb#access_token=abcDEF123ghiJKL456&state=x", ["abcDEF123ghiJKL456"], ["https://acme.com/cb#access_token="]),
    ("call back link https://acme.com/call?phone=%2B14155550132", ["%2B14155550132"], ["https://acme.com/call?phone="]),
    # "hunter2@internal.acme.com" also reads as an email: the host goes too (over-redaction, not a leak)
    ("https://bob:hunter2@internal.acme.com/x", ["bob", "hunter2"], ["https://"]),
]

LOWERCASE_NAMES = [
    ("hey, i'm jonathan mbeki and the export is broken", "jonathan mbeki"),
    ("thanks jonathan, that fixed it", "jonathan"),
    ("sync keeps failing.\n-- Jonathan", "Jonathan"),
    ("sync keeps failing. -- jonathan", "jonathan"),
    ("ok that worked, cheers sarah", "sarah"),
    ("my name is priya and I manage billing", "priya"),
    ("regards\nmaria", "maria"),
    ("Hi, I'm Zanele Mbeki from the ops team", "Zanele Mbeki"),
]

ORDINARY_LOWERCASE = [
    "i'm happy with the new export, thanks everyone",
    "thanks will do, i'm frank about this: sync is slow",
    "hey team, i'm using the ios app and it crashes",
    "i am not sure the bill is right -- again",
    "thanks for the quick fix, mark it resolved please",
    "see https://status.acme.com/incidents/2026-09-01 for the outage",
]


@pytest.mark.parametrize("text,gone,kept", URL_CASES)
def test_urls_lose_the_emails_ids_and_tokens_they_carry_but_stay_links(text, gone, kept):
    from indexer.enrich.redact import redact_text as light

    full = __import__("indexer.enrich.pii", fromlist=["redact_text"]).redact_text
    for redact in (light, full):
        clean = redact(text)[0]
        for value in gone:
            assert value not in clean, (redact.__module__, clean)
        for part in kept:
            assert part in clean, (redact.__module__, clean)


def test_a_source_url_is_redacted_by_the_stage_and_typed(redactor):
    unit = _unit(text="Export fails.", author_name="Jonathan Mbeki")
    unit.provenance.source_url = "https://help.acme.com/users/jonathan-mbeki/requests/81?email=jo%40x.com&lang=en"
    [out] = redactor([unit])
    url = out.provenance.source_url
    assert "jonathan" not in url.lower() and "jo%40x.com" not in url, url
    assert url.startswith("https://help.acme.com/users/") and "lang=en" in url and "/requests/81" in url
    assert {"EMAIL_ADDRESS"} <= set(out.pii_types) and out.pii_redacted


@pytest.mark.parametrize("text,name", LOWERCASE_NAMES)
def test_names_in_any_case_in_greetings_introductions_and_sign_offs(redactor, text, name):
    from indexer.enrich.pii import redact_text
    from indexer.enrich.redact import redact_text as light

    for redact in (redact_text, light):
        clean, types = redact(text)
        assert name not in clean and "PERSON" in types, (redact.__module__, clean)


@pytest.mark.parametrize("text", ORDINARY_LOWERCASE)
def test_ordinary_lowercase_words_after_greetings_are_not_names(redactor, text):
    from indexer.enrich.pii import detect
    from indexer.enrich.redact import detect_light

    for find in (detect, detect_light):
        assert [s for s in find(text) if s.type == "PERSON"] == [], (find.__name__, text)


def test_the_light_redactor_agrees_with_the_pipeline_on_every_planted_case(redactor):
    """indexer.enrich.redact (no presidio) redacts every value the pipeline's detector does."""
    from indexer.enrich.redact import redact_text

    for pii_type, texts in CASES.items():
        for text, value in zip(texts, VALUES[pii_type]):
            clean, types = redact_text(text)
            assert value not in clean and pii_type in types, (pii_type, clean, types)


def test_the_light_redactor_imports_no_presidio_and_no_torch():
    import subprocess
    import sys

    code = ("import sys; from indexer.enrich.redact import redact_text; "
            "print(redact_text('refund 4111 1111 1111 1111 to jo@x.com')[0]); "
            "print(any(m.split('.')[0] in ('presidio_analyzer', 'torch', 'transformers', 'spacy') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.split("\n")
    assert out[0] == "refund <CREDIT_CARD> to <EMAIL_ADDRESS>"
    assert out[1] == "False"


def test_presidio_is_asked_only_for_types_whose_cue_is_present():
    """Skipping a recognizer is exact: an IBAN or phone number is still found when present."""
    from indexer.enrich.pii import detect, entities_for

    assert "IBAN_CODE" not in entities_for("order 1234 arrived broken")
    assert "PHONE_NUMBER" not in entities_for("order 12 arrived broken")
    text = "Refund it to DE89 3704 0044 0532 0130 00 or call +44 20 7946 0958"
    assert {"IBAN_CODE", "PHONE_NUMBER"} <= set(entities_for(text))
    assert {s.type for s in detect(text)} >= {"IBAN_CODE", "PHONE_NUMBER"}


CUE_EDGE_CASES = [
    # cards: every separator layout the card pattern allows, and near misses
    "card 4111 1111 1111 1111", "card 4949-0388-6337-8861", "card 378282246310005", "card 4111-111-111-111",
    "card 6011 0009 9013 9424 5", "order 4111 111 11", "invoice 2024-123-456",
    # IPs: v4, CIDR, v6 full / compressed / zone / mapped / embedded / unspecified, and near misses
    "from 10.0.0.1", "block 192.168.0.0/16", "v6 2001:0db8:85a3:0000:0000:8a2e:0370:7334", "v6 fe80::1%eth0",
    "loopback ::1", "mapped ::ffff:10.0.0.1", "embedded 64:ff9b::192.0.2.33", "any :: here", "version 1.2.3",
    "Note: see ticket 12:30 today", "time 10:15:30",
    # emails
    "write to dana.smith@northwind.co.uk", "me@localhost", "@handle on twitter", "a @ b",
]


def test_presidio_recognizers_are_skipped_only_where_they_cannot_fire():
    """The email, card and IP recognizers run only on text holding their cue; on every edge case
    and on a sample of demo texts the cued recognizers return exactly what presidio's return."""
    from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer, IpRecognizer

    from indexer.enrich.pii import _RECOGNIZER_CUES, build_analyzer, cued

    nlp = build_analyzer().nlp_engine
    texts = list(CUE_EDGE_CASES)
    demo = Path(__file__).parent / "fixtures" / "trust"
    texts += [p.read_text(errors="ignore")[:2000] for p in sorted(demo.glob("*"))[:20] if p.is_file()]
    for cls in (EmailRecognizer, CreditCardRecognizer, IpRecognizer):
        plain, gated = cls(), cued(cls, _RECOGNIZER_CUES[cls.__name__])()
        for text in texts:
            art = nlp.process_text(text, "en")
            want = [(r.start, r.end, r.entity_type, r.score) for r in plain.analyze(text, plain.supported_entities, art)]
            got = [(r.start, r.end, r.entity_type, r.score) for r in gated.analyze(text, gated.supported_entities, art)]
            assert got == want, (cls.__name__, text)
    assert not _RECOGNIZER_CUES["IpRecognizer"].search("Note: see ticket 12:30 today, version 1.2.3")
    assert not _RECOGNIZER_CUES["EmailRecognizer"].search("no handle here")


@pytest.mark.parametrize("text", [
    "Thanks, Dana Whitfield-Ôrsted", "dana whitfield-ôrsted wrote this", "DANA", "Dana\tWhitfield-Ôrsted is here",
    "nothing about her at all", "see https://example.com/u/dana-whitfield", "Ms. Whitfield-Ôrsted, Esq.",
])
def test_a_name_pattern_skips_only_texts_it_could_never_match(text):
    """Name patterns are compiled only for texts that contain one of the name's words; the skip
    must never change what they find."""
    import re

    from indexer.enrich.pii import _name_variant_patterns, _slug_patterns

    patterns = [*_name_variant_patterns(["Dana Whitfield-Ôrsted", "dana_w", "DANA W"]), *_slug_patterns(["Dana Whitfield"])]
    assert patterns
    for p in patterns:
        expected = [m.span() for m in re.compile(p.source).finditer(text)]
        assert [m.span() for m in p.finditer(text)] == expected, p.source
