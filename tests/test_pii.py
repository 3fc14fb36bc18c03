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
