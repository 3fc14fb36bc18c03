"""Custom presidio recognizers for what feedback text leaks and no NER model is needed to find.

spaCy models cannot be downloaded here, so every recognizer below works on the raw string:
secrets (API keys, bearer tokens, cloud keys, high-entropy tokens), account numbers,
street addresses, and person names where the *shape* of the text says a name is there
(greetings, introductions, sign-offs) or a first-name gazetteer hit is followed by a surname.

Patterns are compiled by us (not presidio's PatternRecognizer) because presidio applies
IGNORECASE to every pattern, and capitalisation is most of the signal for names.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Iterable

from presidio_analyzer import AnalysisExplanation, LocalRecognizer, RecognizerResult

# ------------------------------------------------------------------ building blocks


@dataclass(frozen=True)
class Rx:
    """One regex; `group` selects the span to report (0 = whole match)."""

    name: str
    regex: re.Pattern
    score: float
    group: int | str = 0


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


# ------------------------------------------------------------------ secrets

_API_KEY_PATTERNS = [
    Rx("vox-key", re.compile(r"\bvx_(?:live|test)_[A-Za-z0-9]{12,}\b"), 0.95),
    Rx("stripe-like", re.compile(r"\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{12,}\b"), 0.95),
    Rx("openai-like", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{16,}\b"), 0.9),
    Rx("bearer", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/\-]{12,}=*", re.IGNORECASE), 0.9),
    Rx("aws-access-key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), 0.95),
    Rx("github-token", re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"), 0.95),
    Rx("slack-token", re.compile(r"\bxox[abpors]-[A-Za-z0-9\-]{10,}\b"), 0.95),
    Rx("google-api-key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b"), 0.95),
    Rx("jwt", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}"), 0.95),
    Rx(
        "key-assignment",
        re.compile(
            r"\b(?:api[_\- ]?key|apikey|secret|token|password|passwd|access[_\- ]key)\b\s*(?:is|=|:)\s*[\"']?"
            r"(?P<v>[A-Za-z0-9_\-./+=]{12,})",
            re.IGNORECASE,
        ),
        0.8,
        "v",
    ),
]


def shannon_entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for ch in value:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class ApiKeyRecognizer(RegexRecognizer):
    """Known key shapes, plus any long token that mixes letter cases and digits with high entropy
    (a random secret) — but not UUIDs or pure hex (request ids, commit hashes are not secrets)."""

    TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")

    def __init__(self):
        super().__init__("API_KEY", _API_KEY_PATTERNS, context=["key", "token", "secret", "api"], name="ApiKeyRecognizer")

    def analyze(self, text, entities, nlp_artifacts=None):
        out = super().analyze(text, entities, nlp_artifacts)
        if entities and "API_KEY" not in entities:
            return out
        for m in self.TOKEN.finditer(text):
            value = m.group(0)
            if _UUID.match(value) or re.fullmatch(r"[0-9a-fA-F\-]+", value):
                continue
            classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
            if classes < 3 or shannon_entropy(value) < 3.8:
                continue
            out.append(
                RecognizerResult(
                    "API_KEY",
                    m.start(),
                    m.end(),
                    0.7,
                    analysis_explanation=AnalysisExplanation(
                        recognizer=self.name, original_score=0.7, pattern_name="high-entropy-token"
                    ),
                    recognition_metadata={
                        RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                        RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                    },
                )
            )
        return out


# ------------------------------------------------------------------ account and card numbers

_ACCOUNT_PATTERNS = [
    Rx(
        "labelled-account-number",
        re.compile(
            r"\b(?:account|acct|a/c|customer|member|routing|sort code|bank account)\s*(?:number|no\.?|num|#|id)?\s*(?:is|:|#)?\s*"
            r"(?P<v>\d[\d\- ]{5,20}\d)\b",
            re.IGNORECASE,
        ),
        0.75,
        "v",
    ),
]

# Card numbers written 4-4-4-4 (or 4-6-5 Amex) whether or not they pass Luhn: people mistype
# their own card and it is still their card.
_CARD_PATTERNS = [
    Rx("grouped-card", re.compile(r"(?<![\w ])(?<!\w )(?:\d{4}[ \-]){3}\d{4}(?:[ \-]\d{1,3})?\b"), 0.6),
    Rx("amex-grouped", re.compile(r"\b3[47]\d{2}[ \-]\d{6}[ \-]\d{5}\b"), 0.6),
    Rx(
        "labelled-card",
        re.compile(r"\b(?:card|visa|mastercard|amex|cc)\b[^\d\n]{0,20}(?P<v>\d(?:[ \-]?\d){12,18})\b", re.IGNORECASE),
        0.7,
        "v",
    ),
]

# International numbers that python-phonenumbers rejects as invalid for their plan are still
# somebody's number when written "+<country code> ..." with 8-15 digits.
_PHONE_PATTERNS = [
    Rx("international", re.compile(r"(?<![\w+])\+\d{1,3}(?:[ \-.]?\(?\d{1,4}\)?)(?:[ \-.]?\d{2,5}){2,4}\b"), 0.5),
]

# ------------------------------------------------------------------ street addresses

_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Parkway|Pkwy|"
    r"Highway|Hwy|Square|Sq|Circle|Cir|Row|Crescent|Close|Alley|Trail|Plaza"
)
_CAP = r"[A-ZÀ-Ý][A-Za-zà-ÿ'\-\.]*"
_CITYW = r"[A-ZÀ-Ý][a-zà-ÿ][A-Za-zà-ÿ'\-\.]*"  # a city word has 2+ letters, so postcodes are not eaten
_CITY_TAIL = (
    r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Floor|Fl|#)\.?\s*[A-Za-z0-9\-]+)?"  # unit
    r"(?:,\s*" + _CITYW + r"(?:\s" + _CITYW + r"){0,2})?"  # city
    r"(?:,?\s*[A-Z]{2}\b)?"  # state
    r"(?:,?\s*(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}))?"  # US zip / UK postcode
)
_ADDRESS_PATTERNS = [
    Rx(
        "us-uk-street",
        re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:(?:" + _CAP + r"|\d+(?:st|nd|rd|th))\s+){1,3}(?:" + _STREET_TYPES + r")\b\.?" + _CITY_TAIL),
        0.75,
    ),
    Rx(
        # "123 Broadway, Austin, TX 78701": no street type, so the city/state/zip tail is required
        "us-city-state-zip",
        re.compile(r"\b\d{1,5}\s+" + _CAP + r"(?:\s+" + _CAP + r"){0,2}" + r"(?:,\s*(?:Apt|Suite|Ste|Unit)\.?\s*[A-Za-z0-9\-]+)?"
                   r",\s*" + _CAP + r"(?:\s" + _CAP + r"){0,2},\s*[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"),
        0.75,
    ),
    Rx(
        "continental-street",
        re.compile(
            r"\b[A-ZÄÖÜ][a-zäöüßéèà\-]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|laan|straat|gracht|gade|vej|gatan)"
            r"\s+\d{1,4}[a-z]?(?:,\s*\d{4,5}(?:\s?[A-Z]{2})?\s+[A-ZÄÖÜ][a-zäöüß]+)?"
        ),
        0.75,
    ),
    Rx(
        "romance-street",
        re.compile(
            r"\b(?:Rue|Avenue|Boulevard|Calle|Avenida|Via|Viale|Rua|Piazza|Plaza)\s+(?:(?:de|del|la|le|des|du|da|do|di)\s+)?"
            + _CAP
            + r"(?:\s+" + _CAP + r"){0,2},?\s+\d{1,4}(?:,\s*\d{4,5}(?:\s?[A-Z]{2})?\s+" + _CAP + r")?"
        ),
        0.7,
    ),
    Rx(
        "number-first-romance",
        re.compile(r"\b\d{1,4},?\s+(?:rue|avenue|boulevard|place)\s+(?:(?:de|du|des|la|le)\s+)?" + _CAP + r"(?:\s+" + _CAP + r"){0,2}(?:,\s*\d{5}\s+" + _CAP + r")?"),
        0.7,
    ),
    Rx("po-box", re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d{1,6}\b", re.IGNORECASE), 0.7),
]

# ------------------------------------------------------------------ person names

# A compact, multi-origin first-name gazetteer: a capitalised hit followed by a capitalised
# surname is a name. Ambiguous English words (Will, May, Mark, Bill, Grace, Hope...) still
# need a surname after them, which rules out "May I" and "Will the".
FIRST_NAMES = frozenset(
    """
    aaron abby abigail adam adrian ahmed aiden aisha alan albert alejandro alex alexander alexandra alexis ali alice
    alicia alison amanda amber amelia amir amit amy ana andre andrea andreas andrew andy angela anna anne annie anthony
    antonio arjun arthur ashley audrey ava barbara ben benjamin beth bill bob brandon brenda brian brittany bruce bruno
    caleb camila carl carla carlos carmen carol caroline carter catherine charles charlie charlotte chen chloe chris
    christian christina christine christopher claire claudia colin connor craig cynthia dan dana daniel daniela danielle
    david dean deborah deepak dennis derek diana diego dmitri dominic donald donna dorothy doug douglas dylan ed eduardo
    edward elena eli elijah elizabeth ella ellen emily emma eric erik erin ethan eva evan evelyn fatima felix fernando
    fiona frank gabriel gabriela gary george gerald giulia grace greg gregory hana hannah harold harry heather helen
    henry hiroshi holly ian igor irene isaac isabel isabella ivan jack jacob jake james jamie jan jane janet jasmine jason
    javier jay jean jeff jeffrey jennifer jenny jeremy jerry jessica jill jim jimmy joan joe joel john jon jonathan jordan
    jorge jose joseph joshua joyce juan judith julia julian julie justin karen karl kate katherine kathleen kathy katie
    kavya keith kelly ken kenji kenneth kevin kim kimberly kyle laura lauren leah lee leo leon li liam lily linda lisa
    liu lucas lucia lucy luis luke lynn maggie malik mandy manuel marc marcus margaret maria marie marina mario mark
    marta martha martin mary mason matt matthew maya megan mei melissa mia michael michelle miguel mike mila min
    mohammed muhammad nancy naomi natalie nathan neil nicholas nick nicole nina noah noor olga oliver olivia omar oscar
    owen pablo pamela pat patricia patrick paul paula pedro peter philip pierre priya rachel rafael raj rajesh ralph ram
    ramon raymond rebecca richard rick rita rob robert roberto robin roger ronald rosa ross ruby russell ruth ryan sam
    samantha samuel sandra sara sarah scott sean sebastian sergei shannon sharon sofia sophia sophie stephanie stephen
    steve steven sue susan takeshi tanya taylor teresa terry thomas tim timothy tina todd tom tony tyler valentina
    vanessa victor victoria vikram vincent virginia walter wei wendy william xavier yan yuki yusuf zach zoe zoey
    """.split()
)

# Capitalised words that follow a greeting but are not names.
NOT_NAMES = frozenset(
    """
    team all there everyone folks guys support sir madam maam again thanks thank hello hi hey dear good morning
    afternoon evening the this that it i we you they he she my our your his her their a an and or but so just also
    any anyone someone everybody friends customer customers admin admins billing sales product voxindex vox app ios
    android web mobile desktop monday tuesday wednesday thursday friday saturday sunday january february march april
    june july august september october november december today tomorrow yesterday please sorry regards best cheers
    sincerely update version sync login api issue issues bug ticket question feature request not no yes ok okay
    still already really very again again only new old happy glad great awesome love loving using here back from
    context honestly overall unfortunately btw fyi note ps quick edit seriously sadly currently basically anyway
    otherwise however meanwhile voxdemo update updates
    """.split()
)

_NAME_WORD = r"[A-Z][a-zà-ÿ]+(?:[\-'][A-Z]?[a-zà-ÿ]+)?"
_FULL_NAME = _NAME_WORD + r"(?:\s+(?:[A-Z]\.\s*)?" + _NAME_WORD + r"){0,2}"

_PERSON_PATTERNS = [
    # introductions
    Rx(
        "introduction",
        re.compile(r"\b(?:[Tt]his is|[Mm]y name is|[Mm]y name's|I am|I'm|[Ii]t's|[Nn]ame:|[Cc]ontact:|[Ss]peaking with|[Aa]sk for)\s+(?P<n>" + _FULL_NAME + r")"),
        0.6,
        "n",
    ),
    # greetings addressed to someone
    Rx(
        "greeting",
        re.compile(
            r"(?:^|\n|[.!?]\s+)(?:Hi|Hello|Hey|Dear|Thanks|Thank you|Morning)[,!]?\s+(?:this is\s+|it's\s+|it is\s+)?(?P<n>"
            + _FULL_NAME
            + r")\s*(?:[,!:\n(]|here\b|from\b|$)"
        ),
        0.55,
        "n",
    ),
    # thanks or a greeting mid-sentence, addressed to someone: "thanks Ines, that solved it",
    # "thanks for confirming Raj." (agents address the customer by name in replies kept as context)
    Rx(
        "inline-thanks",
        re.compile(
            r"\b(?:[Tt]hanks|[Tt]hank you|[Cc]heers|[Hh]i|[Hh]ello|[Hh]ey|[Dd]ear)"
            r"(?:\s+(?:for|so much|again|a lot)(?:\s+[a-z]+){0,3}?)?[,!]?\s+(?P<n>" + _NAME_WORD + r")\s*(?=[,.!?:;\n(]|$)"
        ),
        0.5,
        "n",
    ),
    # sign-offs: "Thanks,\nMaria Gonzalez", "Regards, Tom", "Best regards\nTom"
    Rx(
        "sign-off",
        re.compile(
            r"\b(?:Thanks|Thank you|Regards|Best regards|Kind regards|Warm regards|Best|Cheers|Sincerely|Yours|Talk soon|"
            r"Many thanks|Thx|Br|BR|Rgds)[,!.]?[ \t]*\n?[ \t]*[\-–—]?[ \t]*(?P<n>" + _FULL_NAME + r")[ \t]*(?:\n|$|\(|,)"
        ),
        0.65,
        "n",
    ),
    # dash signature at the end of a line: "- Tom", "— Maria G."
    Rx("dash-signature", re.compile(r"(?:^|\n|\s)[\-–—~][ \t]?(?P<n>" + _NAME_WORD + r"(?:\s+[A-Z][a-z]*\.?){0,2})[ \t]*(?:$|\n)"), 0.6, "n"),
    # addressing someone: "Glad to hear it, Robert!" (agents' replies are kept as context)
    Rx("vocative", re.compile(r",[ \t]+(?P<n>" + _NAME_WORD + r")[ \t]*!"), 0.5, "n"),
    # a name alone on the last line: how agents and customers sign ("...comes up.\n\nAlex")
    Rx("closing-name-line", re.compile(r"\n[ \t]*(?P<n>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)[ \t]*(?:\([^)\n]{1,30}\))?[ \t]*$"), 0.55, "n"),
    # ... or mid-text, closed by a full stop: "It's really frustrating. - Leah. Thanks"
    Rx("dash-signature-inline", re.compile(r"(?:^|\s)[\-–—~][ \t]?(?P<n>" + _NAME_WORD + r")\.(?=\s|$)"), 0.55, "n"),
    # staff named by their role: "Nadia from support", "shout out to Sam", "talked to Priya"
    Rx(
        "name-from-team",
        re.compile(r"\b(?P<n>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)\s+(?:from|in|at|on)\s+(?:the\s+|your\s+)?"
                   r"(?:supp?ort|customer supp?ort|customer success|success|billing|sales|onboarding|help ?desk|CS)\b"),
        0.6,
        "n",
    ),
    Rx(
        "credit-to-name",
        re.compile(r"\b(?:[Ss]hout[- ]?out to|[Kk]udos to|[Tt]hanks to|[Tt]hank you to|[Pp]rops to|[Cc]redit to|[Bb]ig thanks to|"
                   r"[Hh]uge thanks to|[Ss]pecial thanks to|[Ss]poke (?:with|to)|[Tt]alked (?:with|to)|[Cc]hatted with|[Ww]orked with)\s+"
                   r"(?P<n>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)"),
        0.6,
        "n",
    ),
    # honorifics
    Rx("honorific", re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+(?P<n>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)"), 0.7, "n"),
    # "colleague/manager/CTO Jane Doe"
    Rx(
        "role-then-name",
        re.compile(r"\b(?:colleague|coworker|co-worker|manager|boss|CEO|CTO|CFO|admin|teammate|rep|agent|engineer)\s+(?P<n>" + _NAME_WORD + r"\s+" + _NAME_WORD + r")\b"),
        0.55,
        "n",
    ),
]

_GAZETTEER_PAIR = re.compile(r"\b(?P<f>[A-Z][a-z]+)\s+(?P<l>(?:[A-Z]\.)|(?:(?:Mc|Mac|O')?[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?))")


class PersonNameRecognizer(RegexRecognizer):
    """Names found by where they sit (greeting, introduction, sign-off) or by a known first name
    followed by a capitalised surname. Leading/trailing non-name words are trimmed off."""

    def __init__(self):
        super().__init__("PERSON", _PERSON_PATTERNS, name="PersonNameRecognizer")

    @staticmethod
    def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
        words = [(m.start() + start, m.end() + start, m.group(0)) for m in re.finditer(r"\S+", text[start:end])]
        # drop trailing/leading words that are not names (e.g. "Tom Support", "Hi Team")
        while words and words[-1][2].lower().strip(".,") in NOT_NAMES:
            words.pop()
        while words and words[0][2].lower().strip(".,") in NOT_NAMES:
            words.pop(0)
        if not words:
            return None
        return words[0][0], words[-1][1]

    def analyze(self, text, entities, nlp_artifacts=None):
        if entities and "PERSON" not in entities:
            return []
        out = []
        for r in super().analyze(text, entities, nlp_artifacts):
            span = self._trim(text, r.start, r.end)
            if span is None:
                continue
            r.start, r.end = span
            out.append(r)
        for m in _GAZETTEER_PAIR.finditer(text):
            first, last = m.group("f"), m.group("l")
            if first.lower() in FIRST_NAMES and last.lower().strip(".") not in NOT_NAMES:
                out.append(
                    RecognizerResult(
                        "PERSON",
                        m.start(),
                        m.end(),
                        0.6,
                        analysis_explanation=AnalysisExplanation(
                            recognizer=self.name, original_score=0.6, pattern_name="first-name-gazetteer"
                        ),
                        recognition_metadata={
                            RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                            RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                        },
                    )
                )
        return out


def custom_recognizers() -> list[LocalRecognizer]:
    return [
        ApiKeyRecognizer(),
        RegexRecognizer("PHONE_NUMBER", _PHONE_PATTERNS, context=["phone", "call", "ring", "mobile"], name="IntlPhoneRecognizer"),
        RegexRecognizer("ACCOUNT_NUMBER", _ACCOUNT_PATTERNS, context=["account", "acct"], name="AccountNumberRecognizer"),
        RegexRecognizer("CREDIT_CARD", _CARD_PATTERNS, context=["card", "visa", "mastercard"], name="GroupedCardRecognizer"),
        RegexRecognizer("ADDRESS", _ADDRESS_PATTERNS, context=["address", "ship", "street", "live"], name="StreetAddressRecognizer"),
        PersonNameRecognizer(),
    ]


def known_name_patterns(names: Iterable[str]) -> list[re.Pattern]:
    """Regexes for a person's own known names: the full name, and each part of it of 3+ letters
    written capitalised (so 'Dana' is caught in a sign-off but 'dana' inside a URL is left to the
    email/URL recognizers)."""
    parts: set[str] = set()
    for name in names:
        clean = re.sub(r"\(.*?\)", " ", name or "").strip()
        if not clean:
            continue
        tokens = [t for t in re.split(r"[\s,]+", clean) if t]
        if len(tokens) > 1:
            parts.add(r"\s+".join(re.escape(t) for t in tokens))
        for t in tokens:
            t = t.strip(".")
            if len(t) >= 3 and t.lower() not in NOT_NAMES and t[0].isalpha():
                parts.add(re.escape(t[0].upper() + t[1:]))
    return [re.compile(r"(?<![\w@.])" + p + r"(?![\w@])") for p in sorted(parts, key=len, reverse=True)]
