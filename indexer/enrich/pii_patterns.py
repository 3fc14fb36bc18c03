"""The PII patterns themselves, with no presidio (and so no torch) behind them.

Pure functions over a string: secrets, card/account numbers, street addresses, person names
where the shape of the text says a name is there (greetings, introductions, sign-offs, in any
case when the first name is a known one), and the parts of URLs that carry emails, phone
numbers, tokens or user ids. `pii_recognizers` wraps them for presidio (the ingest pipeline);
`redact` uses them directly for short texts that must be redacted fast and without loading
presidio (search queries for the audit index, dead letters, URLs).

Patterns are compiled by us (not presidio's PatternRecognizer) because presidio applies
IGNORECASE to every pattern, and capitalisation is most of the signal for names.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable


@dataclass(frozen=True)
class Rx:
    """One regex; `group` selects the span to report (0 = whole match)."""

    name: str
    regex: re.Pattern
    score: float
    group: int | str = 0



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
        re.compile(r"\b(?:[Tt]his is|[Mm]y name is|[Mm]y name's|[Ii] am|[Ii]'m|[Ii]t's|[Nn]ame:|[Cc]ontact:|[Ss]peaking with|[Aa]sk for)\s+(?P<n>" + _FULL_NAME + r")"),
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
    Rx("dash-signature", re.compile(r"(?:^|\n|\s)(?:--|[\-–—~])[ \t]?(?P<n>" + _NAME_WORD + r"(?:\s+[A-Z][a-z]*\.?){0,2})[ \t]*(?:$|\n)"), 0.6, "n"),
    # addressing someone: "Glad to hear it, Robert!" (agents' replies are kept as context)
    Rx("vocative", re.compile(r",[ \t]+(?P<n>" + _NAME_WORD + r")[ \t]*!"), 0.5, "n"),
    # a name alone on the last line: how agents and customers sign ("...comes up.\n\nAlex")
    Rx("closing-name-line", re.compile(r"\n[ \t]*(?P<n>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)[ \t]*(?:\([^)\n]{1,30}\))?[ \t]*$"), 0.55, "n"),
    # ... or mid-text, closed by a full stop: "It's really frustrating. - Leah. Thanks"
    Rx("dash-signature-inline", re.compile(r"(?:^|\s)(?:--|[\-–—~])[ \t]?(?P<n>" + _NAME_WORD + r")\.(?=\s|$)"), 0.55, "n"),
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



# ------------------------------------------------------------------ pure span finders


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    type: str
    score: float
    name: str


def regex_hits(entity: str, patterns: list[Rx], text: str) -> list[Hit]:
    out = []
    for rx in patterns:
        for m in rx.regex.finditer(text):
            start, end = m.span(rx.group)
            if 0 <= start < end:
                out.append(Hit(start, end, entity, rx.score, rx.name))
    return out


_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{24,}(?![A-Za-z0-9_\-])")


def is_random_secret(value: str) -> bool:
    """A long token that mixes letter cases and digits with high entropy — but not a UUID or
    pure hex (request ids and commit hashes are not secrets)."""
    if _UUID.match(value) or re.fullmatch(r"[0-9a-fA-F\-]+", value):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
    return classes >= 3 and shannon_entropy(value) >= 3.8


def api_key_hits(text: str) -> list[Hit]:
    out = regex_hits("API_KEY", _API_KEY_PATTERNS, text)
    for m in _TOKEN.finditer(text):
        if is_random_secret(m.group(0)):
            out.append(Hit(m.start(), m.end(), "API_KEY", 0.7, "high-entropy-token"))
    return out


def trim_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop leading/trailing words that are not names ("Tom Support", "Hi Team")."""
    words = [(m.start() + start, m.end() + start, m.group(0)) for m in re.finditer(r"\S+", text[start:end])]
    while words and words[-1][2].lower().strip(".,") in NOT_NAMES:
        words.pop()
    while words and words[0][2].lower().strip(".,") in NOT_NAMES:
        words.pop(0)
    if not words:
        return None
    return words[0][0], words[-1][1]


# Known first names that are also everyday words: written lowercase they are read as words
# ("i'm frank", "thanks bill", "will", "jack"), so only their capitalised form counts.
LOWERCASE_AMBIGUOUS = frozenset(
    """
    will mark bill pat sue rob ed jan min ram lee dean jay jean ruby grace frank jack li lily holly amber
    heather robin nick sandra ken art chase hope may june april summer dawn joy faith rose ivy drew gene
    """.split()
)

# Words that end a lowercase name: a surname after "i'm jonathan" must not be one of these.
_NOT_SURNAME = NOT_NAMES | frozenset(
    """
    and or but from at in on of for with to by is was am are be been here there who which that what when
    where why how can could would should will shall may might must do does did have has had not no yes
    the a an this these those my our your his her their its me us them him i you we they he she it
    using use used trying try tried working work works just also still too very really so then now
    again from via as if than about after before since until while because though although
    """.split()
)

_LOWER_WORD = r"[A-Za-z][a-z'\-]+"
# "hey, i'm jonathan mbeki", "my name is sofia", "this is priya from acme"
_LOWER_INTRO = re.compile(
    r"(?i:\b(?:i'm|i’m|im|i am|my name is|my name's|this is|name is|call me|it's|it is)\s+)"
    r"(?P<f>" + _LOWER_WORD + r")(?:[ \t]+(?P<l>" + _LOWER_WORD + r"))?"
)
# "thanks jonathan", "hey sarah, ...", "cheers, tom", "regards\njonathan"
_LOWER_ADDRESS = re.compile(
    r"(?i:\b(?:hi|hey|hiya|hello|dear|thanks|thank you|thx|ty|cheers|regards|best|sincerely|bye|morning|"
    r"thanks again|thanks so much|thank you so much|many thanks)\b[ \t]*[,!.:\-–—]?\s*)(?P<f>" + _LOWER_WORD + r")\b"
)
# "-- jonathan", "— tom" at the end of a line, or "jonathan here"
_LOWER_SIGNATURE = re.compile(r"(?:^|\s)(?:--|[\-–—~])[ \t]*(?P<f>" + _LOWER_WORD + r")[ \t]*(?:$|\n)")
_LOWER_HERE = re.compile(r"(?:^|[.!?\n]\s*|,\s*)(?P<f>" + _LOWER_WORD + r")[ \t]+here\b")


def _known_first(word: str) -> bool:
    w = word.lower()
    if w not in FIRST_NAMES:
        return False
    # an ambiguous word only counts capitalised ("Thanks Will" yes, "thanks will do" no)
    return w not in LOWERCASE_AMBIGUOUS or word[0].isupper()


def lowercase_name_hits(text: str) -> list[Hit]:
    """Names written in any case where the shape says a name is there and the first name is a
    known one: the first-name list is what keeps "i'm happy" and "thanks everyone" out."""
    out = []
    for m in _LOWER_INTRO.finditer(text):
        if not _known_first(m.group("f")):
            continue
        end = m.end("f")
        last = m.group("l")
        if last and last.lower() not in _NOT_SURNAME and len(last) >= 2:
            end = m.end("l")
        out.append(Hit(m.start("f"), end, "PERSON", 0.55, "lowercase-introduction"))
    for rx, name in ((_LOWER_ADDRESS, "lowercase-greeting"), (_LOWER_SIGNATURE, "lowercase-signature"), (_LOWER_HERE, "lowercase-here")):
        for m in rx.finditer(text):
            if _known_first(m.group("f")):
                out.append(Hit(m.start("f"), m.end("f"), "PERSON", 0.5, name))
    return out


def person_hits(text: str) -> list[Hit]:
    """Names found by where they sit or by a known first name followed by a capitalised surname."""
    out = []
    for h in regex_hits("PERSON", _PERSON_PATTERNS, text):
        span = trim_name(text, h.start, h.end)
        if span is not None:
            out.append(Hit(span[0], span[1], "PERSON", h.score, h.name))
    for m in _GAZETTEER_PAIR.finditer(text):
        first, last = m.group("f"), m.group("l")
        if first.lower() in FIRST_NAMES and last.lower().strip(".") not in NOT_NAMES:
            out.append(Hit(m.start(), m.end(), "PERSON", 0.6, "first-name-gazetteer"))
    out.extend(lowercase_name_hits(text))
    return out


@lru_cache(maxsize=4096)
def _compiled(source: str) -> re.Pattern:
    return re.compile(source)


@dataclass(frozen=True)
class NamePattern:
    """A regex for one person's name, compiled only when a text contains one of its words.

    Every author brings patterns of their own, and most texts never mention their author: on
    3,000 demo units compiling them up front was a quarter of the PII stage's CPU. `needles` are
    case-folded words at least one of which any match contains, so skipping a text without them
    never misses a match (case folding has no context rules, unlike lower())."""

    source: str
    needles: tuple[str, ...]

    def finditer(self, text: str, pos: int = 0):
        folded = text.casefold()
        if not any(n in folded for n in self.needles):
            return iter(())
        return _compiled(self.source).finditer(text, pos)


def known_name_patterns(names: Iterable[str]) -> list[NamePattern]:
    """Patterns for a person's own known names: the full name, and each part of it of 3+ letters
    written capitalised (so 'Dana' is caught in a sign-off but 'dana' inside a URL is left to the
    email/URL recognizers)."""
    parts: dict[str, tuple[str, ...]] = {}
    for name in names:
        clean = re.sub(r"\(.*?\)", " ", name or "").strip()
        if not clean:
            continue
        tokens = [t for t in re.split(r"[\s,]+", clean) if t]
        if len(tokens) > 1:
            parts[r"\s+".join(re.escape(t) for t in tokens)] = (tokens[0].casefold(),)
        for t in tokens:
            t = t.strip(".")
            if len(t) >= 3 and t.lower() not in NOT_NAMES and t[0].isalpha():
                parts[re.escape(t[0].upper() + t[1:])] = (t.casefold(),)
    return [NamePattern(r"(?<![\w@.])" + p + r"(?![\w@])", parts[p]) for p in sorted(parts, key=len, reverse=True)]


# ------------------------------------------------------------------ URLs

URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'`]+")
_URL_TRAILING = ".,;:!?)]}'\""
_EMAILISH = re.compile(r"(?i)^[^@\s/]+(?:@|%40)[^@\s/]+\.[a-z]{2,}$")
_PHONEISH = re.compile(r"^(?:\+|%2B)?[\d\-.() ]{7,20}$")
_QUERY_PAIR = re.compile(r"([^&=;]+)(?:=([^&;]*))?")
# query keys whose value identifies a person or grants access, whatever the value looks like
_SECRET_KEYS = re.compile(
    r"(?i)^(?:.*[_\-])?(?:token|access_?token|id_?token|refresh_?token|auth|authorization|api_?key|apikey|key|secret|"
    r"sig|signature|session|session_?id|sid|password|passwd|pass|pwd|otp|code|hash|ticket_?token|jwt)$"
)
_PERSON_KEYS = re.compile(
    r"(?i)^(?:e?-?mail|email_?address|user|username|user_?name|user_?id|uid|login|customer|customer_?id|cust_?id|"
    r"member|member_?id|contact|contact_?id|person|person_?id|profile|profile_?id|requester|requester_?id|"
    r"name|first_?name|last_?name|full_?name|fname|lname|phone|mobile|tel|msisdn|ssn|dob)$"
)
_PHONE_KEYS = re.compile(r"(?i)^(?:phone|mobile|tel|msisdn|cell)$")
_NAME_KEYS = re.compile(r"(?i)^(?:name|first_?name|last_?name|full_?name|fname|lname)$")
# a path segment after one of these names a person: /users/jo.smith/, /customers/48213
_PERSON_COLLECTIONS = frozenset(
    "users user u people person customers customer contacts contact members member profiles profile "
    "employees employee requesters requester agents agent authors author".split()
)
_NOT_IDS = frozenset("me self new edit settings list search all index view show profile".split())


def _classify_value(key: str | None, value: str) -> str | None:
    from urllib.parse import unquote

    if not value:
        return None
    clear = unquote(value)
    if _EMAILISH.match(clear) or "@" in clear:
        return "EMAIL_ADDRESS"
    if key is not None:
        if _PHONE_KEYS.match(key):
            return "PHONE_NUMBER"
        if _SECRET_KEYS.match(key):
            return "API_KEY"
        if _NAME_KEYS.match(key):
            return "PERSON"
        if _PERSON_KEYS.match(key):
            return "USER_ID"
    if _PHONEISH.match(clear) and clear.lstrip("%2B").startswith("+") and sum(c.isdigit() for c in clear) >= 8:
        return "PHONE_NUMBER"
    if len(clear) >= 24 and is_random_secret(clear):
        return "API_KEY"
    return None


def url_hits(text: str) -> list[Hit]:
    """The parts of every URL in `text` that carry PII: query values (and fragment values, where
    OAuth puts tokens) by their key or their shape, path segments holding an email, a phone
    number or a secret, the segment after a person collection (/users/<id>), and userinfo."""
    out: list[Hit] = []
    for m in URL.finditer(text):
        url = m.group(0).rstrip(_URL_TRAILING)
        base = m.start()
        out.extend(Hit(base + a, base + b, t, 0.8, "url") for a, b, t in url_pii_ranges(url))
    return out


def url_pii_ranges(url: str) -> list[tuple[int, int, str]]:
    """(start, end, type) within one URL string (with or without a scheme)."""
    out: list[tuple[int, int, str]] = []
    scheme = re.match(r"(?i)^[a-z][a-z0-9+.\-]*://", url)
    pos = scheme.end() if scheme else 0
    end_of_authority = len(url)
    for ch in "/?#":
        i = url.find(ch, pos)
        if i >= 0:
            end_of_authority = min(end_of_authority, i)
    authority = url[pos:end_of_authority]
    if "@" in authority:  # https://user:password@host
        at = authority.rfind("@")
        out.append((pos, pos + at, "API_KEY" if ":" in authority[:at] else "USER_ID"))
    path_end = len(url)
    for ch in "?#":
        i = url.find(ch, end_of_authority)
        if i >= 0:
            path_end = min(path_end, i)
    previous = ""
    for seg in re.finditer(r"[^/]+", url[end_of_authority:path_end]):
        a, b = end_of_authority + seg.start(), end_of_authority + seg.end()
        value = seg.group(0)
        kind = _classify_value(None, value)
        if kind is None and previous.lower() in _PERSON_COLLECTIONS and value.lower() not in _NOT_IDS:
            kind = "USER_ID"
        if kind:
            out.append((a, b, kind))
        previous = value
    for sep in "?#":
        i = url.find(sep, end_of_authority)
        if i < 0:
            continue
        j = url.find("#", i + 1) if sep == "?" else len(url)
        part_start, part = i + 1, url[i + 1 : (j if j >= 0 else len(url))]
        for pair in _QUERY_PAIR.finditer(part):
            key, value = pair.group(1), pair.group(2)
            if value is None:
                continue
            kind = _classify_value(key, value)
            if kind:
                out.append((part_start + pair.start(2), part_start + pair.end(2), kind))
    return out
