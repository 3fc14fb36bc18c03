"""Word-level cues shared by sentiment, intent, severity and segmentation.

Hand-written for customer feedback in general (tickets, reviews, surveys, calls), not for any
one dataset: each list names a way customers phrase a problem, a request, a question, praise
or a threat to leave. Patterns are matched on lowercased text with curly quotes folded.
"""
from __future__ import annotations

import re

from .taxonomy import normalize


def _rx(*alternatives: str) -> re.Pattern:
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])")


# something does not work (a defect): the core of "bug"
BUG = _rx(
    r"crash\w*", r"freez\w*", r"froze", r"hangs?", r"bug\w*", r"glitch\w*", r"errors?", r"exception",
    r"fail\w*", r"broken", r"breaks?", r"broke", r"not working", r"doesn'?t work", r"don'?t work",
    r"isn'?t working", r"won'?t (?:load|open|sync|start|work|save|let)", r"stopped \w+ing", r"stopped working",
    r"stuck", r"never (?:arrives?|came|shows?|loads?|syncs?|made)", r"(?:is|are|went|goes) missing",
    r"disappear\w*", r"vanish\w*", r"gone", r"lost", r"wiped", r"corrupt\w*", r"overwr\w+", r"times? out",
    r"timed out", r"timeout", r"(?:40\d|50\d)", r"bad gateway", r"unreachable", r"down", r"outage",
    r"can'?t (?:log|sign|get|open|access|load|save|connect|upload)", r"cannot (?:log|sign|get|open|access|load|save|connect)",
    r"unable to", r"locked out", r"logged out", r"signs? me out", r"invalid", r"closes", r"quits", r"dies",
    r"reinstall\w*", r"regression", r"twice", r"duplicate\w*", r"wrong", r"incorrect",
)
# the thing works but hurts: slow, costly, confusing, unanswered
FRICTION = _rx(
    r"slow\w*", r"sluggish", r"lag\w*", r"takes (?:forever|ages|minutes)", r"crawl\w*", r"spinner",
    r"expensive", r"pric(?:ey|e hike|e increase)", r"overpriced", r"costs? (?:too )?much", r"too costly",
    r"confus\w*", r"unintuitive", r"cluttered", r"mess", r"hard to", r"can'?t (?:find|figure)", r"annoy\w*",
    r"frustrat\w*", r"still waiting", r"no (?:reply|response|answer)", r"zero answers", r"nobody (?:answers|replied)",
    r"terrible", r"awful", r"horrible", r"useless", r"worst", r"disappoint\w*", r"ridiculous", r"unacceptable",
    r"rude", r"canned", r"outdated", r"tiny", r"overlap\w*", r"hard to justify", r"out of reach",
)
REQUEST = _rx(
    r"please (?:add|support|make|let|allow|consider|bring|include|provide|implement)", r"would (?:be|love|like)",
    r"(?:i|we) wish", r"wish (?:list|there)", r"could you (?:add|make|please)", r"can you (?:add|make)",
    r"any plans", r"feature request", r"(?:we|i) (?:really )?need (?:a|an|to be able|the ability)",
    r"let us", r"allow us", r"option to", r"ability to", r"it'?d be (?:great|nice|awesome)",
    r"missing (?:feature|option)", r"add (?:support|an? option)", r"make (?:them|it) available", r"dark mode",
    r"roadmap", r"suggest\w*",
)
QUESTION_START = _rx(
    r"^(?:how|is there|are there|where|what|when|why|can i|can we|could i|do you|does|is it|which|who)"
)
PRAISE = _rx(
    r"love\w*", r"great", r"awesome", r"excellent", r"fantastic", r"amazing", r"wonderful", r"perfect",
    r"thanks? (?:so much|a lot) for (?:the|this|building|making)", r"happy", r"best", r"helpful", r"brilliant", r"superb?", r"friendly",
    r"recommend\w*", r"five stars", r"5 stars", r"well done", r"nice job", r"just works", r"above and beyond",
    r"life ?saver", r"game ?changer", r"impressed", r"smooth",
)
CHURN = _rx(
    r"(?:will|going to|gonna|want to|wants to|plan to|planning to|about to|have to|are|am|we'?re|i'?m|be|consider\w*) cancel\w*",
    r"cancel (?:my|our|the) (?:account|subscription|plan|contract|seats)", r"cancell?ing", r"switch\w* (?:to|over)", r"moving to", r"move to", r"migrat\w+ to", r"alternatives?",  # noqa: E501 - a cue list
    r"competitors?", r"not (?:be )?renew\w*", r"won'?t renew", r"leav\w+ (?:you|for)", r"deleted? my account",
    r"found something better", r"unsubscrib\w*", r"looking elsewhere", r"last straw", r"refund and",
    r"going back to", r"churn\w*", r"before (?:the|our) renewal",
)
CRITICAL = _rx(
    r"outage", r"down for (?:everyone|all|hours)", r"(?:is|was|went) down", r"data loss", r"lost (?:all|every|a whole|our|my)",
    r"wiped", r"gone from", r"everything (?:is )?gone", r"(?:whole|entire) (?:company|team|org\w*)", r"all (?:users|customers|of us)",
    r"every(?:one|body)", r"nobody (?:on|in|can)", r"no one can", r"production", r"security", r"breach", r"leak\w*",
    r"corrupt\w*", r"unreachable", r"bad gateway", r"50[0-4]", r"a (?:whole )?year of",
)
HIGH = _rx(
    r"blocked", r"blocking", r"can'?t work", r"cannot work", r"locked out", r"urgent\w*", r"asap",
    r"immediately", r"unusable", r"useless", r"every time", r"charged twice", r"billed two times", r"twice",
    r"deadline", r"customers? (?:are|can'?t)", r"lost", r"vanish\w*", r"disappear\w*", r"private", r"never invited",
    r"nobody can", r"can'?t (?:log|sign|get into)", r"unless", r"second time",
)


# greetings, sign-offs and courtesy ("Thanks!", "Any pointers appreciated") carry no opinion;
# left in, they turn every polite bug report into praise
COURTESY = re.compile(
    r"(?im)^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?: there| all| team| support| folks)?\s*[,!.:]?"
    r"|(?<![\w])(?:many |big )?thanks?(?: you)?(?: so much| a lot| in advance| again)?(?: for your help| for the help)?[!.,]*"
    r"|(?<![\w])(?:any (?:help|pointers|advice) (?:is |would be )?(?:much |greatly )?appreciated|(?:kind |best )?regards|cheers)[!.,]*"
)
QUESTION_SENTENCE = re.compile(
    r"(?:^|[.!?]\s+|\n|,\s*)(?:quick question:?\s*)?(?:how|is there|are there|where|what|when|why|can i|can we|can you|could i|could you|"
    r"do you|does|do i|do we|is it|is this|which|who|should)\b[^.!?]*\?"
)


def strip_courtesy(text: str) -> str:
    return COURTESY.sub(" ", text)


def count(pattern: re.Pattern, text: str) -> int:
    return len(pattern.findall(normalize(strip_courtesy(text))))


def is_question(text: str) -> bool:
    t = normalize(text).strip()
    return "?" in t and (t.endswith("?") or bool(QUESTION_SENTENCE.search(t)) or bool(QUESTION_START.search(t)))
