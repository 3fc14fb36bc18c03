"""Presidio wrappers around the pure patterns of `pii_patterns` (the ingest pipeline's PII stage).

spaCy models cannot be downloaded here, so every recognizer works on the raw string; the
patterns, name lists and URL rules live in `pii_patterns`, which imports no presidio, so that
short texts (search queries, dead letters) can be redacted without loading it.
"""
from __future__ import annotations

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

from .pii_patterns import (  # noqa: F401  (FIRST_NAMES, NOT_NAMES, known_name_patterns: re-exported)
    _ACCOUNT_PATTERNS,
    _ADDRESS_PATTERNS,
    _CARD_PATTERNS,
    _PHONE_PATTERNS,
    FIRST_NAMES,
    NOT_NAMES,
    Hit,
    Rx,
    api_key_hits,
    known_name_patterns,
    person_hits,
    url_hits,
)


def _result(recognizer: LocalRecognizer, hit: Hit) -> RecognizerResult:
    return RecognizerResult(
        hit.type,
        hit.start,
        hit.end,
        hit.score,
        analysis_explanation=AnalysisExplanation(recognizer=recognizer.name, original_score=hit.score, pattern_name=hit.name),
        recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: recognizer.name,
            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: recognizer.id,
        },
    )


class RegexRecognizer(LocalRecognizer):
    """Runs compiled regexes with their own flags; optional `validate(span) -> bool` per match."""

    def __init__(self, entity: str, patterns: list[Rx], context: list[str] | None = None, name: str | None = None):
        self.patterns = patterns
        super().__init__(supported_entities=[entity], supported_language="en", context=context or [], name=name)

    def load(self) -> None:  # nothing to load: regexes are compiled at import
        pass

    def validate(self, value: str) -> bool:
        return True

    def analyze(self, text, entities, nlp_artifacts=None) -> list[RecognizerResult]:
        entity = self.supported_entities[0]
        if entities and entity not in entities:
            return []
        out = []
        for rx in self.patterns:
            for m in rx.regex.finditer(text):
                start, end = m.span(rx.group)
                if start < 0 or end <= start:
                    continue
                value = text[start:end]
                if not self.validate(value):
                    continue
                out.append(
                    RecognizerResult(
                        entity,
                        start,
                        end,
                        rx.score,
                        analysis_explanation=AnalysisExplanation(
                            recognizer=self.name, original_score=rx.score, pattern_name=rx.name
                        ),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return out


class HitsRecognizer(LocalRecognizer):
    """A presidio recognizer over one pure `text -> list[Hit]` function of `pii_patterns`."""

    def __init__(self, entity: str, find, name: str, context: list[str] | None = None):
        self.find = find
        super().__init__(supported_entities=[entity], supported_language="en", context=context or [], name=name)

    def load(self) -> None:
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        if entities and self.supported_entities[0] not in entities:
            return []
        return [_result(self, h) for h in self.find(text) if not entities or h.type in entities]


def ApiKeyRecognizer() -> HitsRecognizer:  # noqa: N802 (kept as the name tests and docs use)
    """Known key shapes, plus any long high-entropy token that is not a UUID or pure hex."""
    return HitsRecognizer("API_KEY", api_key_hits, "ApiKeyRecognizer", context=["key", "token", "secret", "api"])


def PersonNameRecognizer() -> HitsRecognizer:  # noqa: N802
    """Names found by where they sit (greeting, introduction, sign-off) or by a known first name."""
    return HitsRecognizer("PERSON", person_hits, "PersonNameRecognizer")


class UrlRecognizer(HitsRecognizer):
    """The parts of URLs that carry an email, phone number, token or user id; one recognizer
    reports several entity types, so it declares them all."""

    TYPES = ["EMAIL_ADDRESS", "PHONE_NUMBER", "API_KEY", "USER_ID", "PERSON"]

    def __init__(self):
        LocalRecognizer.__init__(self, supported_entities=self.TYPES, supported_language="en", name="UrlRecognizer")
        self.find = url_hits

    def analyze(self, text, entities, nlp_artifacts=None):
        return [_result(self, h) for h in url_hits(text) if not entities or h.type in entities]


def custom_recognizers() -> list[LocalRecognizer]:
    return [
        ApiKeyRecognizer(),
        RegexRecognizer("PHONE_NUMBER", _PHONE_PATTERNS, context=["phone", "call", "ring", "mobile"], name="IntlPhoneRecognizer"),
        RegexRecognizer("ACCOUNT_NUMBER", _ACCOUNT_PATTERNS, context=["account", "acct"], name="AccountNumberRecognizer"),
        RegexRecognizer("CREDIT_CARD", _CARD_PATTERNS, context=["card", "visa", "mastercard"], name="GroupedCardRecognizer"),
        RegexRecognizer("ADDRESS", _ADDRESS_PATTERNS, context=["address", "ship", "street", "live"], name="StreetAddressRecognizer"),
        PersonNameRecognizer(),
        UrlRecognizer(),
    ]
