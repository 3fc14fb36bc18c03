"""`redact_text(text) -> (redacted_text, pii_types)` without presidio: for short texts that must
be redacted where the ingest pipeline's analyzer is not loaded and must not be (presidio imports
torch and transformers, ~25 s cold): the search API's audit record of a query, dead letters.

The same patterns as the pipeline (`pii_patterns`) plus plain equivalents of the presidio
recognizers the pipeline uses: email (regex), card (regex + Luhn), IBAN (regex + mod-97),
IP (regex + `ipaddress`), phone (python-phonenumbers, the library presidio calls). Kept in step
with `pii.detect` by tests/test_pii.py, which runs both over the same cases.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Iterable

from .pii import PHONE_REGIONS, Span, known_name_patterns, merge_spans, redact, url_spans
from .pii_patterns import (
    _ACCOUNT_PATTERNS,
    _ADDRESS_PATTERNS,
    _CARD_PATTERNS,
    _PHONE_PATTERNS,
    Hit,
    api_key_hits,
    person_hits,
    regex_hits,
    url_hits,
)

_EMAIL = re.compile(r"(?<![\w.+\-%])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}(?![\w])")  # noqa: E501 - one regex reads best whole
_CARD = re.compile(r"(?<![\d\-])(?:\d[ \-]?){12,18}\d(?![\d])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_PHONE_CUE = re.compile(r"\d(?:[^\w]{0,6}\d){3,}")
_ANY_DIGIT_OR_AT = re.compile(r"[0-9@]")


def _luhn(digits: str) -> bool:
    total, parity = 0, len(digits) % 2
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == parity:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _iban_ok(value: str) -> bool:
    v = value.replace(" ", "")
    if not 15 <= len(v) <= 34:
        return False
    moved = v[4:] + v[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _structured_hits(text: str) -> list[Hit]:
    out: list[Hit] = []
    out.extend(Hit(m.start(), m.end(), "EMAIL_ADDRESS", 1.0, "email") for m in _EMAIL.finditer(text))
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _luhn(digits):
            out.append(Hit(m.start(), m.end(), "CREDIT_CARD", 1.0, "card-luhn"))
    out.extend(regex_hits("CREDIT_CARD", _CARD_PATTERNS, text))
    out.extend(Hit(m.start(), m.end(), "IBAN_CODE", 1.0, "iban") for m in _IBAN.finditer(text) if _iban_ok(m.group(0)))
    for rx in (_IPV4, _IPV6):
        for m in rx.finditer(text):
            try:
                ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            out.append(Hit(m.start(), m.end(), "IP_ADDRESS", 0.6, "ip"))
    if _PHONE_CUE.search(text):
        import phonenumbers

        for region in PHONE_REGIONS:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
                out.append(Hit(match.start, match.end, "PHONE_NUMBER", 0.4, "phonenumbers"))
        out.extend(regex_hits("PHONE_NUMBER", _PHONE_PATTERNS, text))
    out.extend(regex_hits("ACCOUNT_NUMBER", _ACCOUNT_PATTERNS, text))
    out.extend(regex_hits("ADDRESS", _ADDRESS_PATTERNS, text))
    return out


def detect_light(text: str, known_names: Iterable[str | None] = ()) -> list[Span]:
    """Every PII span in `text`, by the pipeline's patterns, without presidio."""
    if not text or not text.strip():
        return []
    hits: list[Hit] = []
    if _ANY_DIGIT_OR_AT.search(text):
        hits.extend(_structured_hits(text))
    hits.extend(api_key_hits(text))
    hits.extend(url_hits(text))
    hits.extend(person_hits(text))
    spans = [Span(h.start, h.end, h.type, h.score, h.name) for h in hits]
    for pattern in known_name_patterns([n for n in known_names if n]):
        spans.extend(Span(m.start(), m.end(), "PERSON", 0.9, "known-name") for m in pattern.finditer(text))
    return merge_spans(spans)


def redact_text(text: str, known_names: Iterable[str | None] = ()) -> tuple[str, list[str]]:
    """(text with every PII span replaced by `<TYPE>`, sorted PII types found). Pure and fast
    (~0.1 ms for a search query); imports neither presidio nor any model."""
    if not isinstance(text, str) or not text:
        return text, []
    spans = detect_light(text, known_names)
    return (redact(text, spans) if spans else text), sorted({s.type for s in spans})


__all__ = ["detect_light", "redact_text", "redact_url_text", "url_spans"]


def redact_url_text(url: str) -> tuple[str, list[str]]:
    """A URL (e.g. a `source_url` or a request path with its query) redacted the same way."""
    spans = url_spans(url)
    return (redact(url, spans) if spans else url), sorted({s.type for s in spans})
