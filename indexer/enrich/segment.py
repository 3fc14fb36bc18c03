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

Cost: classifying a sentence means embedding it, and this stage used to be more than half of
the enrichment CPU. Two exact shortcuts and one measured gate keep it cheap:
- a sentence under MIN_WORDS can never open a segment and its label is never read, so it is
  not classified; a message with fewer than two such sentences cannot split, so nothing is;
- the stage classifies the sentences of a whole batch in one call (well-filled model batches,
  one cache lookup) instead of one small call per message;
- messages under MIN_CHARS (120) are not split: on demo seed 7 (500 multi-signal / 700 single
  parts) raising it from 60 kept split-count accuracy 0.510 -> 0.502, cut over-splitting of
  single-signal messages 0.117 -> 0.094, and halves the messages classified. Keyword/connector
  gates were measured too and lost 35-45% of the correct splits (taxonomy keywords miss
  paraphrase), so they are not used.
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
MIN_CHARS = 120  # shorter messages are never split (see the module doc for the measurement)
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


def candidates(text: str) -> tuple[list[str], list[int]]:
    """Pure: the sentences of `text` and the indices of those that need classifying (none when
    the message cannot split: too short, or fewer than two sentences that could stand alone)."""
    if len(text) < MIN_CHARS:
        return [text], []
    sentences = split_sentences(text)
    if len(sentences) < 2:
        return sentences, []
    long = [i for i, s in enumerate(sentences) if len(s.split()) >= MIN_WORDS]
    return sentences, (long if len(long) >= 2 else [])


def plan_segments(text: str, classify) -> list[str]:
    """Pure: the segment texts for `text`. `classify(list[str]) -> list[Prediction]`."""
    sentences, todo = candidates(text)
    if not todo:
        return [text]
    return plan_from_predictions(text, sentences, dict(zip(todo, classify([sentences[i] for i in todo]))))


def plan_from_predictions(text: str, sentences: list[str], preds: dict) -> list[str]:
    """Pure: segments from the predictions of the sentences `candidates` picked (index -> Prediction)."""
    pieces = []
    for i, s in enumerate(sentences):
        p = preds.get(i)
        if p is None:  # too short to stand alone: never confident, label unused
            pieces.append(Piece(s, None, False))
        else:
            pieces.append(Piece(s, p.primary_sub_theme, p.confidence >= SPLIT_CONFIDENCE and p.score >= SPLIT_SCORE))
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
        plans: dict[int, tuple[list[str], list[int]]] = {}
        for n, u in enumerate(units):
            if is_signal(u) and u.segment_index == 0 and u.text and len(u.text) >= MIN_CHARS:
                sentences, todo = candidates(u.text)
                if todo:
                    plans[n] = (sentences, todo)
        # one classify call for the whole batch: full, length-sorted model batches
        flat = [(n, i) for n, (sentences, todo) in plans.items() for i in todo]
        preds = clf.predict([plans[n][0][i] for n, i in flat]) if flat else []
        by_unit: dict[int, dict] = {}
        for (n, i), p in zip(flat, preds):
            by_unit.setdefault(n, {})[i] = p
        out: list[FeedbackUnit] = []
        for n, u in enumerate(units):
            if n in plans:
                out.extend(split_unit(u, plan_from_predictions(u.text, plans[n][0], by_unit[n])))
            else:
                out.append(u)
        return out

    return FunctionStage("segment", run)
