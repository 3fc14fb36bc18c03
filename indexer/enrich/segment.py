"""Segmentation: one long customer message that carries separate signals becomes separate units.

"The app crashes on export. Also, please add dark mode. And the new price is too high." is a bug,
a feature request and a pricing complaint; counted as one unit it would land in one theme and
hide the other two. The message is split into sentences, each sentence is classified with the
taxonomy classifier, and adjacent sentences with the same label are merged back. A sentence
only opens a new segment when it is confidently about something else and long enough to stand
alone; anything else ("Reinstalled twice, same thing.") stays with the sentence before it, so
ordinary multi-sentence reports are not chopped up.

Every segment keeps the thread context, position and provenance of its message, gets
`segment_index` i and `unit_id = stable_id(source, record_id, part, i)` (the connectors' scheme,
so segment 0 keeps the id of the unsplit unit).
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from voxindex.model import FeedbackUnit, stable_id

from . import is_signal

SPLIT_CONFIDENCE = 0.6  # a sentence opens a new segment only above this taxonomy confidence
SPLIT_SCORE = 0.36  # ... and this raw similarity score
MIN_WORDS = 5  # shorter sentences never stand alone
MIN_CHARS = 60  # shorter messages are never split
MAX_SEGMENTS = 6

_SENT = re.compile(r"(?<=[.!?…])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*[-*•]\s)|\n(?=[A-Z])")


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENT.split(text) if p and p.strip()]
    return parts or [text.strip()]


@dataclass
class Piece:
    text: str
    label: str | None
    confident: bool


def plan_segments(text: str, classify) -> list[str]:
    """Pure: the segment texts for `text`. `classify(list[str]) -> list[Prediction]`."""
    if len(text) < MIN_CHARS:
        return [text]
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return [text]
    preds = classify(sentences)
    pieces = [
        Piece(s, p.primary_sub_theme,
              p.confidence >= SPLIT_CONFIDENCE and p.score >= SPLIT_SCORE and len(s.split()) >= MIN_WORDS)
        for s, p in zip(sentences, preds)
    ]
    segments: list[list[Piece]] = []
    for piece in pieces:
        if not segments:
            segments.append([piece])
            continue
        current = segments[-1]
        label = next((p.label for p in current if p.confident), None)
        if piece.confident and label is not None and piece.label != label and len(segments) < MAX_SEGMENTS:
            segments.append([piece])
        elif piece.confident and label is None:
            current.append(piece)  # an unlabeled lead-in ("Hi team,") joins the first real signal
        else:
            current.append(piece)
    if len(segments) < 2:
        return [text]
    return [" ".join(p.text for p in seg) for seg in segments]


def split_unit(unit: FeedbackUnit, texts: list[str]) -> list[FeedbackUnit]:
    if len(texts) < 2:
        return [unit]
    part = unit.provenance.record_part or ""
    out = []
    for i, t in enumerate(texts):
        seg = copy.deepcopy(unit)
        seg.text = t
        seg.segment_index = i
        seg.unit_id = stable_id(unit.source, unit.source_record_id, part, i)
        seg.embedding = None
        out.append(seg)
    return out


def segment_stage(settings=None, classifier=None):
    """Stage: split multi-signal customer units; everything else passes through untouched."""
    from indexer.pipeline import FunctionStage

    from .taxonomy import get_classifier

    clf = classifier or get_classifier(settings=settings)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        out: list[FeedbackUnit] = []
        for u in units:
            if is_signal(u) and u.segment_index == 0 and len(u.text) >= MIN_CHARS:
                out.extend(split_unit(u, plan_segments(u.text, clf.predict)))
            else:
                out.append(u)
        return out

    return FunctionStage("segment", run)
