"""PII redaction: the first enrichment stage, so nothing downstream (embeddings, classifiers,
the index) ever sees a clear email, phone number, card, key, address or name.

Built on presidio-analyzer without any downloaded NER model: a spaCy *blank* English
pipeline supplies tokens for presidio's context enhancer, presidio's own pattern recognizers
find emails, phones (python-phonenumbers), cards (Luhn), IBANs and IPs, and
`pii_recognizers` adds secrets, account numbers, street addresses and names.

Redaction replaces each span with its type, e.g. `<EMAIL_ADDRESS>`, `<PERSON>`.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
import sys
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterable

from voxindex.model import FeedbackUnit

# pii_patterns imports no presidio: importing this module stays cheap (presidio pulls in torch
# and transformers, ~25 s cold); the analyzer is built on the first `detect` that needs it.
from .pii_patterns import FIRST_NAMES, NOT_NAMES, NamePattern, known_name_patterns, person_hits, url_pii_ranges

log = logging.getLogger(__name__)

# Types the stage looks for; the first eight need a digit, an '@' or a long token to exist at all.
STRUCTURED_TYPES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "API_KEY",
    "ACCOUNT_NUMBER",
    "ADDRESS",
    "USER_ID",  # a user id, handle or email in a URL's path or query (/users/<id>, ?uid=...)
)
ALL_TYPES = STRUCTURED_TYPES + ("PERSON",)

# When two detections overlap, the union is redacted and labelled with the most specific type.
TYPE_PRIORITY = {t: i for i, t in enumerate(
    ("EMAIL_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "API_KEY", "IP_ADDRESS", "PHONE_NUMBER", "ADDRESS", "ACCOUNT_NUMBER", "USER_ID", "PERSON")
)}

SCORE_THRESHOLD = 0.35  # presidio's phone recognizer scores 0.4 before context; keep it
PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "CA", "AU", "BR", "ES", "IT", "NL", "MX")

# Cheap pre-filter: without any of these the structured recognizers cannot fire.
_PREFILTER = re.compile(r"[0-9@]|bearer|[A-Za-z0-9_\-]{20,}|https?://|www\.", re.IGNORECASE)
# The phone recognizer (python-phonenumbers, once per region: ~60% of the stage's CPU) can only
# report a valid number, and no region in PHONE_REGIONS has a valid number under 4 digits (DE's
# shortest); phonenumbers reads a number as digits joined by punctuation/space. So without 4
# digits joined by short non-word runs it cannot fire and is skipped. Checked: identical spans on
# every demo seed 7 text with and without this cue.
_PHONE_CUE = re.compile(r"\d(?:[^\w]{0,6}\d){3,}")
# presidio's IBAN recognizer calls `regex.finditer` with a timeout argument, which re-checks the
# pattern's arguments on every call (~0.9 ms a text, a fifth of the stage's CPU). Its pattern is
# case-sensitive and starts with a country code, check digits and at least two groups of four;
# this cue is that start with the fewest groups, so without it the recognizer cannot fire.
_IBAN_CUE = re.compile(r"[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2}")
_CUES = {"PHONE_NUMBER": _PHONE_CUE, "IBAN_CODE": _IBAN_CUE}
# The same `regex.finditer(..., timeout=)` cost is paid by presidio's email, card and IP pattern
# recognizers on every text that passes _PREFILTER (~13 % of a demo ingest's PII CPU), though few
# texts can match. Each cue below is a necessary condition of its recognizer's patterns, so a
# text without it gets no call and exactly the same spans:
# - email: every pattern has a literal "@";
# - card: the card pattern itself without its word boundaries and leading-digit choices;
# - IP: IPv4 is four dot-separated digit runs; every IPv6 form (mapped, embedded, "::")
#   holds two colons with at most four hex digits between them.
_RECOGNIZER_CUES = {
    "EmailRecognizer": re.compile(r"@"),
    "CreditCardRecognizer": re.compile(r"\d{4}[- ]?\d{3,4}[- ]?\d{3,4}[- ]?\d{3,5}"),
    "IpRecognizer": re.compile(r"\d\.\d+\.\d+\.\d|:[0-9A-Fa-f]{0,4}:"),
}


def cued(recognizer_cls, cue: re.Pattern):
    """A subclass of a presidio recognizer that returns nothing, without running its patterns,
    on text where `cue` (a necessary condition of every pattern) is absent."""

    class Cued(recognizer_cls):
        def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):
            if not cue.search(text):
                return []
            return super().analyze(text, entities, nlp_artifacts, regex_flags)

    Cued.__name__ = Cued.__qualname__ = f"Cued{recognizer_cls.__name__}"
    return Cued


def entities_for(text: str) -> list[str]:
    """Pure: the types worth asking presidio for in `text` (a type whose cue is absent cannot fire)."""
    return [t for t in ALL_TYPES if t not in _CUES or _CUES[t].search(text)]


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    type: str
    score: float = 1.0
    source: str = ""


# ------------------------------------------------------------------ engine


def _blank_nlp_engine():
    """A presidio NlpEngine over `spacy.blank("en")`: tokens and lower-cased 'lemmas', no NER.
    Enough for presidio's context-word enhancer; needs no model download."""
    import spacy
    from presidio_analyzer.nlp_engine import NlpArtifacts, SpacyNlpEngine

    class BlankSpacyNlpEngine(SpacyNlpEngine):
        engine_name = "spacy_blank"

        def __init__(self):
            super().__init__(models=[{"lang_code": "en", "model_name": "blank:en"}])

        def load(self) -> None:
            self.nlp = {"en": spacy.blank("en")}

        def get_supported_entities(self) -> list[str]:
            return []

        def _doc_to_nlp_artifact(self, doc, language):
            return NlpArtifacts(
                entities=[],
                tokens=doc,
                tokens_indices=[t.idx for t in doc],
                lemmas=[t.lower_ for t in doc],
                nlp_engine=self,
                language=language,
                scores=[],
            )

    engine = BlankSpacyNlpEngine()
    engine.load()
    return engine


@contextmanager
def _without(*packages: str):
    """Import inside this block as if `packages` were not installed (when nothing imported them yet).

    spaCy's thinc imports torch and presidio imports transformers whenever they are installed (they
    are: training and the torch reference use them), though a blank spaCy pipeline and regex
    recognizers need neither: that cost the ingest process ~0.85 GB of its peak RSS. A later
    `import torch` elsewhere still works: the block only hides them while it lasts."""
    hidden = [p for p in packages if p not in sys.modules]
    for p in hidden:
        sys.modules[p] = None  # type: ignore[assignment]  # the import system's "not installed"
    try:
        yield
    finally:
        for p in hidden:
            if sys.modules.get(p, 0) is None:
                del sys.modules[p]


@lru_cache(maxsize=1)
def build_analyzer():
    """One AnalyzerEngine per process (building it costs ~0.5 s; analysing reuses it)."""
    with _without("torch", "transformers"):
        return _build_analyzer()


def _build_analyzer():
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import (  # noqa: I001
        CreditCardRecognizer,
        EmailRecognizer,
        IbanRecognizer,
        IpRecognizer,
        PhoneRecognizer,
    )

    import tldextract

    from .pii_recognizers import custom_recognizers

    # presidio's email validator calls tldextract, which by default fetches the public-suffix
    # list over the network; use the snapshot bundled with tldextract instead (offline, instant).
    offline_tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class OfflineEmailRecognizer(cued(EmailRecognizer, _RECOGNIZER_CUES["EmailRecognizer"])):
        def validate_result(self, pattern_text: str):
            return offline_tld(pattern_text).fqdn != ""

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (
        OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
        cued(CreditCardRecognizer, _RECOGNIZER_CUES["CreditCardRecognizer"])(),
        IbanRecognizer(),
        cued(IpRecognizer, _RECOGNIZER_CUES["IpRecognizer"])(),
        *custom_recognizers(),
    ):
        registry.add_recognizer(recognizer)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=_blank_nlp_engine(),
        supported_languages=["en"],
        default_score_threshold=SCORE_THRESHOLD,
    )


# ------------------------------------------------------------------ detection and redaction


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Union overlapping spans; the merged span takes the most specific type among them."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for s in ordered:
        if out and s.start < out[-1].end:
            prev = out[-1]
            best = min((prev, s), key=lambda x: (TYPE_PRIORITY.get(x.type, 99), -x.score))
            out[-1] = Span(prev.start, max(prev.end, s.end), best.type, max(prev.score, s.score), best.source)
        else:
            out.append(s)
    return out


def _name_variant_patterns(names: Iterable[str | None], split_parts: bool = True) -> list[NamePattern]:
    return _cached_name_patterns(tuple(names), split_parts)


@lru_cache(maxsize=4096)  # a unit's title, text and context turns share one author: compile once
def _cached_name_patterns(names: tuple[str | None, ...], split_parts: bool) -> list[NamePattern]:
    """Patterns for a unit's own known names. A person-like name (1-3 alphabetic words) also
    yields its parts; a handle or nickname only ever matches exactly."""
    person_names: list[str] = []
    exact: list[NamePattern] = []
    # "SVEN WILLIAMS" in a CRM export is addressed as "Sven" in the thread
    names = tuple(names) + tuple(n.title() for n in names if n and (n.isupper() or n.islower()))
    for name in names:
        if not name or not name.strip():
            continue
        tokens = re.sub(r"\(.*?\)", " ", name).split()
        person_like = 1 <= len(tokens) <= 3 and all(re.fullmatch(r"[A-Za-zÀ-ÿ'\-\.]+", t) for t in tokens)
        if split_parts and person_like:
            person_names.append(name)
        elif len(name.strip()) >= 3:
            exact.append(NamePattern(r"(?<![\w@.])" + re.escape(name.strip()) + r"(?![\w@])", (name.strip().casefold(),)))
    return exact + known_name_patterns(person_names)


def _email_start(text: str, start: int, end: int) -> int:
    """presidio's email pattern takes a URL's host and path into the local part
    ("acme.com/hc/requests?email=jo@x.com"); an address starts after the last URL delimiter."""
    value = text[start:end]
    at = value.find("@")
    cut = max(value.rfind(c, 0, at) for c in "/?=&#;:,") if at > 0 else -1
    return start + cut + 1 if cut >= 0 else start


def detect(
    text: str,
    known_names: Iterable[str | None] = (),
    gazetteer: "NameGazetteer | None" = None,
    split_names: bool = True,
) -> list[Span]:
    """Every PII span in `text`, merged so that spans never overlap."""
    if not text or not text.strip():
        return []
    spans: list[Span] = []
    if _PREFILTER.search(text):
        for r in build_analyzer().analyze(text=text, language="en", entities=entities_for(text)):
            start = _email_start(text, r.start, r.end) if r.entity_type == "EMAIL_ADDRESS" else r.start
            spans.append(Span(start, r.end, r.entity_type, r.score, "presidio"))
    else:  # names need no digit; the name patterns are plain regexes, cheap on any text
        spans.extend(Span(h.start, h.end, "PERSON", h.score, "names") for h in person_hits(text))
    for pattern in _name_variant_patterns(known_names, split_names):
        for m in pattern.finditer(text):
            spans.append(Span(m.start(), m.end(), "PERSON", 0.9, "known-name"))
    if gazetteer is not None:
        spans.extend(gazetteer.find(text))
    return merge_spans(spans)


def redact(text: str, spans: list[Span]) -> str:
    out, pos = [], 0
    for s in merge_spans(spans):
        out.append(text[pos : s.start])
        out.append(f"<{s.type}>")
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def redact_text(text: str, known_names: Iterable[str | None] = (), gazetteer=None) -> tuple[str, set[str]]:
    """The full (presidio) redaction of one text. For short texts outside the ingest pipeline
    (search queries, dead letters) `indexer.enrich.redact.redact_text` needs no presidio."""
    spans = detect(text, known_names, gazetteer)
    return (redact(text, spans) if spans else text), {s.type for s in spans}


def _slug_patterns(names: Iterable[str | None]) -> list[NamePattern]:
    """A person's own name as URLs write it: 'jonathan-mbeki', 'jonathan.mbeki', 'jonathan'."""
    out = []
    for name in names:
        tokens = [t.lower() for t in re.findall(r"[A-Za-zÀ-ÿ]{3,}", name or "") if t.lower() not in NOT_NAMES]
        if not tokens:
            continue
        joined = r"[\-_.+]?".join(re.escape(t) for t in tokens)
        source = r"(?i)(?<![a-z])(?:" + joined + "|" + "|".join(re.escape(t) for t in tokens) + r")(?![a-z])"
        out.append(NamePattern(source, tuple(t.casefold() for t in tokens)))
    return out


def url_spans(url: str, known_names: Iterable[str | None] = ()) -> list[Span]:
    """PII in a URL field: emails, phones, tokens and user ids in its path, query and fragment,
    and the author's own name written as a slug."""
    spans = [Span(a, b, t, 0.8, "url") for a, b, t in url_pii_ranges(url)]
    scheme = re.match(r"(?i)^[a-z][a-z0-9+.\-]*://[^/?#]*", url)
    after_host = scheme.end() if scheme else 0
    for pattern in _slug_patterns(known_names):
        spans.extend(Span(m.start(), m.end(), "PERSON", 0.8, "known-name") for m in pattern.finditer(url, after_host))
    return merge_spans(spans)


def redact_url(url: str | None, known_names: Iterable[str | None] = ()) -> tuple[str | None, set[str]]:
    """`url` with its PII parts replaced by `<TYPE>`; the scheme, host and ordinary path stay,
    so the link still says where the record lives."""
    if not url:
        return url, set()
    spans = url_spans(url, known_names)
    return (redact(url, spans) if spans else url), {s.type for s in spans}


class NameGazetteer:
    """Full names of known people (CRM contacts), found in O(len(text)) by looking up every
    run of 2-3 capitalised words in a set — not a giant regex alternation."""

    RUN = re.compile(r"[A-Z][a-zà-ÿ'\-]+(?:\s+[A-Z][a-zà-ÿ'\-]+){1,2}")

    def __init__(self, names: Iterable[str] = ()):
        self.names: set[str] = set()
        for n in names:
            tokens = (n or "").split()
            if len(tokens) >= 2 and not (tokens[0].lower() in NOT_NAMES):
                self.names.add(" ".join(tokens).lower())

    def __len__(self) -> int:
        return len(self.names)

    def find(self, text: str) -> list[Span]:
        out = []
        if not self.names:
            return out
        for m in self.RUN.finditer(text):
            words = [(w.start(), w.end()) for w in re.finditer(r"\S+", m.group(0))]
            # try the longest sub-run first at each start
            i = 0
            while i < len(words):
                for j in range(len(words), i + 1, -1):
                    cand = " ".join(m.group(0)[a:b] for a, b in words[i:j]).lower()
                    if cand in self.names:
                        out.append(Span(m.start() + words[i][0], m.start() + words[j - 1][1], "PERSON", 0.85, "gazetteer"))
                        i = j - 1
                        break
                i += 1
        return out


def load_gazetteer(es, settings, limit: int = 200_000) -> NameGazetteer:
    """Names from the people index (CRM contacts and resolved authors)."""
    from elasticsearch import helpers

    names: list[str] = []
    try:
        for hit in helpers.scan(es, index=settings.indices.people, query={"query": {"match_all": {}}}, _source=["names"]):
            names.extend(hit["_source"].get("names") or [])
            if len(names) >= limit:
                break
    except Exception as exc:  # no people index yet: the stage still works on patterns
        log.info("no person-name gazetteer (%s)", exc)
    return NameGazetteer(names)


# ------------------------------------------------------------------ the stage


@dataclass
class PiiRedactor:
    """Redacts unit.title, unit.text and every context turn; records which types were found.
    The author's own name (known from the connector) is always redacted wherever it appears."""

    gazetteer: NameGazetteer | None = None
    name: str = "pii"
    counts: dict[str, int] = field(default_factory=dict)
    # A thread's earlier turns come back as context of every later unit of that thread (28 % of the
    # texts detect() saw in 1,000 demo units were repeats): spans of a (text, names) pair are kept.
    memo_size: int = 8192
    _memo: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        build_analyzer()  # build once, up front, not inside the first batch

    def spans(self, value: str, names: list, split: bool) -> list[Span]:
        """detect() with this redactor's gazetteer, remembered per (text, names, split): pure, so a
        repeat returns the same spans."""
        key = (value, tuple(names), split)
        found = self._memo.get(key)
        if found is None:
            found = detect(value, names, self.gazetteer, split)
            if len(self._memo) >= self.memo_size:
                self._memo.clear()
            self._memo[key] = found
        return found

    def redact_unit(self, unit: FeedbackUnit) -> FeedbackUnit:
        names = [unit.author_name]
        split = unit.source != "appstore"  # review nicknames are handles, not names to split
        found: set[str] = set()

        def clean(value: str | None) -> str | None:
            if not value:
                return value
            spans = self.spans(value, names, split)
            if not spans:
                return value
            found.update(s.type for s in spans)
            return redact(value, spans)

        unit.text = clean(unit.text)
        unit.title = clean(unit.title)
        for turn in unit.context:
            turn.text = clean(turn.text)
        if unit.provenance is not None and unit.provenance.source_url:
            unit.provenance.source_url, url_types = redact_url(unit.provenance.source_url, names)
            found.update(url_types)
        for t in found:
            self.counts[t] = self.counts.get(t, 0) + 1
        unit.pii_types = sorted(set(unit.pii_types) | found)
        unit.pii_redacted = bool(unit.pii_types)
        return unit

    def __call__(self, units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        return [self.redact_unit(u) for u in units]


def pii_stage(settings=None, es=None, use_gazetteer: bool = True) -> PiiRedactor:
    """The PII stage; with Elasticsearch reachable it also redacts every known contact's full name."""
    gazetteer = None
    if use_gazetteer and settings is not None:
        try:
            if es is None:
                from voxindex.es import client

                es = client(settings)
            gazetteer = load_gazetteer(es, settings)
        except Exception as exc:
            log.info("PII stage without gazetteer: %s", exc)
    build_analyzer()  # loaded with the other models, not inside the first batch
    return PiiRedactor(gazetteer=gazetteer)


__all__ = [
    "ALL_TYPES",
    "FIRST_NAMES",
    "NameGazetteer",
    "PiiRedactor",
    "Span",
    "build_analyzer",
    "detect",
    "pii_stage",
    "redact",
    "redact_text",
    "redact_url",
    "url_spans",
]
