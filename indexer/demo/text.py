"""Compose customer messages: segments with labels, plus the PII planted in them.

A message is a list of segments (one topic each). The part text is the segments joined by a
single space (`SEGMENT_JOINER`), which is what ground_truth/units.jsonl promises. Greetings join
the first segment and sign-offs the last; PII sentences join the segment they belong to.
Casual noise (typos, lowercase, shouting, emoji) is applied before PII is inserted, so every
planted value appears verbatim.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from . import pii as piimod
from . import vocab

SEGMENT_JOINER = " "
BILLING_PII = {"double-charge": ["CREDIT_CARD"], "refund-request": ["IBAN_CODE", "CREDIT_CARD"],
               "invoice-error": ["ADDRESS", "IBAN_CODE"], "api": ["API_KEY"], "crm-integration": ["API_KEY"],
               "chat-integration": ["API_KEY"]}
_SLOT = re.compile(r"\{(\w+)\}")
_ALT = re.compile(r"\[([^\[\]]*)\]")  # [a|b|c] picks one alternative
_PARAPHRASES = [(a, re.compile(r"(?<![A-Za-z'])" + re.escape(a) + r"(?![A-Za-z'])"), alts)
                for a, alts in vocab.PARAPHRASES]
_END = ".!?)…:;"
_WORD = re.compile(r"[A-Za-z']{5,}")


@dataclass
class Segment:
    text: str
    theme: str
    sub_theme: str
    sentiment: str
    intent: str
    severity: str


@dataclass
class Message:
    segments: list[Segment]
    pii: list[tuple[str, str]] = field(default_factory=list)  # (type, value)

    @property
    def text(self) -> str:
        return SEGMENT_JOINER.join(s.text for s in self.segments)

    @property
    def sentiment(self) -> str:
        """Overall tone: mixed praise+complaint reads as neutral, otherwise the strongest label."""
        labels = {s.sentiment for s in self.segments}
        if "negative" in labels and "positive" in labels:
            return "neutral"
        if "negative" in labels:
            return "negative"
        return "positive" if "positive" in labels else "neutral"


@dataclass
class Context:
    """What the writer of a message knows: used to fill slots consistently with the record."""

    version: str = "4.8.2"
    next_version: str = "4.8.3"
    company: str = "our company"
    first: str | None = None
    full: str | None = None
    email: str | None = None
    colleague_email: str | None = None
    region: str | None = None
    plan: str = "pro"
    agent: str | None = None
    currency: str = "$"


@dataclass
class Style:
    """How a channel writes: lengths, decoration and noise rates."""

    details: tuple[int, int] = (0, 1)
    greeting: float = 0.0
    signoff: float = 0.0
    casual: float = 0.05  # lowercase / typo rate
    emoji: float = 0.02
    shout: float = 0.01
    hedge: float = 0.2
    impact: float = 0.15
    spoken: bool = False
    context: float = 0.15  # rate of a situational sentence before the point
    pair: float = 0.15  # rate of a second sentence on the same point
    decorate: float = 0.6  # rate at which an otherwise bare sentence gets a hedge, context or tail
    pii: float = 0.08
    intent_bias: dict[str, float] = field(default_factory=dict)


def _lower_first(text: str) -> str:
    first_word = text.split(" ", 1)[0]
    if first_word in ("I", "I've", "I'm", "I'd") or first_word[:1] == "{" or first_word[1:2].isupper() \
            or first_word in vocab.SLOTS["crm"] + vocab.SLOTS["chat"] + vocab.SLOTS["competitor"] \
            or first_word in ("Voxdemo", "Salesforce", "Slack", "Teams", "SSO", "SAML", "API", "VAT", "Android"):
        return text
    return text[:1].lower() + text[1:]


class Composer:
    def __init__(self, rng: random.Random, theme_of: dict[str, str]):
        self.rng = rng
        self.theme_of = theme_of
        missing = sorted(set(theme_of) - set(vocab.BANKS))
        if missing:
            raise ValueError(f"no phrasing bank for taxonomy sub-themes {missing}: add them to indexer/demo/vocab.py")

    # ------------------------------------------------------------ slots

    def fill(self, template: str, ctx: Context, planted: list[tuple[str, str]]) -> str:
        rng = self.rng

        def value(m: re.Match) -> str:
            key = m.group(1)
            if key == "version":
                return ctx.version
            if key == "next_version":
                return ctx.next_version
            if key == "company":
                return ctx.company
            if key == "plan":
                return ctx.plan
            if key == "agent":
                name = ctx.agent or rng.choice(vocab.SUPPORT_AGENTS).split()[0]
                planted.append(("PERSON", name))
                return name
            if key == "amount":
                n = rng.choice([49, 99, 129, 240, 480, 1200, 2400, 3600, 890, 15000])
                return f"€{n:,}" if ctx.currency == "€" else f"{ctx.currency}{n:,}"
            return rng.choice(vocab.SLOTS[key])

        template = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
        return _SLOT.sub(value, template)

    # ------------------------------------------------------------ one segment

    def segment(self, sub_theme: str, ctx: Context, style: Style, planted: list[tuple[str, str]],
                intent: str | None = None) -> Segment:
        rng = self.rng
        bank = vocab.BANKS[sub_theme]
        if intent:
            bank = [t for t in bank if t.intent == intent] or bank
        weights = [style.intent_bias.get(t.intent, 1.0) for t in bank]
        tpl = rng.choices(bank, weights=weights)[0]
        severity = tpl.severity
        n_planted = len(planted)
        text = self.fill(tpl.text, ctx, planted)
        keeps = lambda t: all(v in t for _, v in planted[n_planted:])  # noqa: E731
        text = self.paraphrase(text, keeps)
        decorated = False
        if rng.random() < style.pair:  # a second sentence on the same point, same tone
            others = [t for t in vocab.BANKS[sub_theme] if t.sentiment == tpl.sentiment and t is not tpl]
            if others:
                second = rng.choice(others)
                text = f"{_ended(text)} {self.paraphrase(self.fill(second.text, ctx, planted), keeps)}"
                severity = max(severity, second.severity, key=vocab.SEVERITY_ORDER.index)
                decorated = True

        # framing: hedges before, details and impact after
        hedges = {"question": vocab.HEDGES_Q, "feature_request": vocab.HEDGES_FR, "praise": vocab.HEDGES_POS}.get(
            tpl.intent, vocab.HEDGES_NEG if tpl.sentiment == "negative" else [])

        def hedge(text: str) -> str:
            h = rng.choice(hedges)
            lowered = _lower_first(text) if h.endswith((",", "but", "so", "FYI")) else text
            return f"{h} {lowered if keeps(lowered) else text}"

        if hedges and rng.random() < style.hedge:
            text, decorated = hedge(text), True
        if rng.random() < style.context:
            text, decorated = f"{self.fill(rng.choice(vocab.CONTEXT), ctx, planted)} {text}", True
        if style.spoken and rng.random() < 0.6:
            filler = rng.choice(vocab.SPOKEN)
            lowered = _lower_first(text) if filler.endswith((",", "so", "and")) else text
            text = f"{filler} {lowered if keeps(lowered) else text}"
        extra: list[str] = []
        used: set[str] = set()
        for _ in range(rng.randint(*style.details)):
            pool = {"bug": vocab.DETAILS_BUG, "complaint": vocab.DETAILS_CMP, "feature_request": vocab.DETAILS_FR,
                    "question": vocab.DETAILS_Q, "praise": vocab.DETAILS_POS}.get(tpl.intent, vocab.DETAILS_CMP)
            choice = rng.choice(pool)
            if choice not in used:
                used.add(choice)
                extra.append(self.fill(choice, ctx, planted))
        if tpl.sentiment == "negative" and tpl.intent in ("bug", "complaint", "churn_risk") \
                and rng.random() < style.impact:
            roll = rng.random()
            if severity in ("low", "medium") and tpl.intent == "bug" and roll < 0.35:
                extra.append(rng.choice(vocab.IMPACT_LOW))
                severity = "low"
            elif severity == "critical" or (roll > 0.85 and self.theme_of[sub_theme] == "reliability"):
                extra.append(rng.choice(vocab.IMPACT_CRITICAL))
                severity = "critical"
            else:
                extra.append(rng.choice(vocab.IMPACT_HIGH))
                severity = "high" if severity != "critical" else severity
        if extra:
            text = _ended(text) + " " + " ".join(extra)
            decorated = True
        if not decorated and rng.random() < style.decorate:
            # independent customers rarely type the very same sentence: most bare points get some framing
            roll = rng.random()
            if hedges and roll < 0.45:
                text = hedge(text)
            elif roll < 0.75:
                text = f"{self.fill(rng.choice(vocab.CONTEXT), ctx, planted)} {text}"
            else:
                text = text + rng.choice(vocab.TAILS[tpl.sentiment])
        text = self._noise(text, tpl.sentiment, style, [v for _, v in planted[n_planted:]])
        if rng.random() < style.emoji:
            text = f"{text} {rng.choice(vocab.EMOJI[tpl.sentiment])}"
        return Segment(text, self.theme_of[sub_theme], sub_theme, tpl.sentiment, tpl.intent, severity)

    def paraphrase(self, text: str, keeps) -> str:
        rng = self.rng
        for phrase, pattern, alternatives in _PARAPHRASES:
            if phrase in text and pattern.search(text) and rng.random() < 0.45:
                new = pattern.sub(rng.choice(alternatives).replace("\\", "\\\\"), text, count=1)
                if keeps(new):
                    text = new
        if text[-1:] == "." and rng.random() < 0.12:
            text = text[:-1] + rng.choice(["!", "", "...", "!!"])
        return text

    def _noise(self, text: str, sentiment: str, style: Style, keep: list[str]) -> str:
        """Typos, lowercase, shouting; a change that would alter a planted value is undone."""
        rng = self.rng
        safe = lambda new, old: new if all(v in new for v in keep) else old  # noqa: E731
        if rng.random() < style.casual:
            words = text.split(" ")
            i = rng.randrange(len(words))
            w = words[i]
            low = w.lower().strip(".,!?")
            if low in vocab.COMMON_TYPOS:
                words[i] = w.lower().replace(low, vocab.COMMON_TYPOS[low])
            elif _WORD.fullmatch(w):
                j = rng.randint(1, len(w) - 2)
                words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:] if rng.random() < 0.6 else w[:j] + w[j + 1:]
            text = safe(" ".join(words), text)
        if rng.random() < style.casual:
            text = safe(text.lower(), text)
        if sentiment == "negative" and len(text) < 120 and rng.random() < style.shout:
            text = safe(text.upper().rstrip(".") + "!!!", text)
        return text

    # ------------------------------------------------------------ whole message

    def message(self, topics: list[str], ctx: Context, style: Style, intents: list[str | None] | None = None,
                greet: bool = True) -> Message:
        rng = self.rng
        planted: list[tuple[str, str]] = []
        intents = intents or [None] * len(topics)
        segs = [self.segment(t, ctx, style, planted, i) for t, i in zip(topics, intents)]
        if rng.random() < style.pii:
            self._plant(segs, ctx, planted)
        if greet and rng.random() < style.greeting:
            greeting = rng.choice(vocab.GREETINGS)
            first = segs[0].text
            lowered = _lower_first(first) if greeting.endswith(",") and rng.random() < 0.5 else first
            if not all(v in lowered for _, v in planted):
                lowered = first
            segs[0].text = f"{greeting} {lowered}"
        if greet and rng.random() < style.signoff:
            segs[-1].text = f"{segs[-1].text} {rng.choice(vocab.SIGNOFFS)}"
        return Message(segs, planted)

    def _plant(self, segs: list[Segment], ctx: Context, planted: list[tuple[str, str]]) -> None:
        rng = self.rng
        kinds = ["PERSON", "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ADDRESS"]
        special = [(i, k) for i, s in enumerate(segs) for k in BILLING_PII.get(s.sub_theme, [])]
        n = 2 if rng.random() < 0.25 else 1
        for _ in range(n):
            if special and rng.random() < 0.6:
                idx, kind = rng.choice(special)
            else:
                idx, kind = len(segs) - 1, rng.choice(kinds)
            seg = segs[idx]
            if kind == "PERSON":
                if not ctx.full:
                    continue
                full_form = rng.random() < 0.6
                name = ctx.full if full_form else ctx.first
                if rng.random() < 0.5:
                    tpl = rng.choice(vocab_greetings_name(full_form))
                    segs[0].text = tpl.format(full=ctx.full, first=ctx.first, company=ctx.company) + " " + segs[0].text
                else:
                    tpl = rng.choice([t for t in piimod.SIGNOFF_NAME if ("{full}" in t) == full_form])
                    segs[-1].text = _ended(segs[-1].text) + " " + tpl.format(full=ctx.full, first=ctx.first)
                planted.append(("PERSON", name))
                continue
            if kind == "EMAIL_ADDRESS":
                value = ctx.email if (ctx.email and rng.random() < 0.5) else ctx.colleague_email
                if not value:
                    continue
            elif kind == "PHONE_NUMBER":
                value = piimod.phone(rng, ctx.region)
            elif kind == "CREDIT_CARD":
                value = piimod.credit_card(rng)
            elif kind == "IBAN_CODE":
                value = piimod.iban(rng, {"EU": rng.choice(["DE", "FR", "NL", "ES", "IT"])}.get(ctx.region, "GB"))
            elif kind == "ADDRESS":
                value = piimod.address(rng, ctx.region)
            else:
                value = piimod.api_key(rng)
            sentence = rng.choice(piimod.SENTENCES[kind])
            if kind == "API_KEY" and not value.startswith("eyJ"):
                sentence = sentence.replace("Bearer ", "")
            seg.text = _ended(seg.text) + " " + sentence.format(v=value)
            planted.append((kind, value))


def _ended(text: str) -> str:
    """Close a sentence before another one is appended (emoji and closing punctuation count)."""
    return text if not text or text[-1] in _END or not text[-1].isascii() else text + "."


def vocab_greetings_name(full_form: bool) -> list[str]:
    return [t for t in piimod.GREETING_NAME if ("{full}" in t) == full_form]
