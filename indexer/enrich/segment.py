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

One encoder pass per text: the sentences of a candidate message are encoded once, on their own
(through the embedding cache), and classified exactly as before; the message's vector (or each
segment's) is then derived from them instead of encoding the text again: the token-count
weighted mean of its sentences' vectors, normalized. A one-sentence text gets its exact vector.
Pooling token states of one pass over the whole message was tried first and rejected: context
bleeds into every sentence, and split-count accuracy fell from 0.49 to 0.33 on the demo eval.
`voxindex bench encoder --data DIR` measures what that costs: derived vectors are far from the
exact ones (mean cosine 0.87 on 1,628 multi-sentence demo messages), yet taxonomy, sentiment,
intent, severity, duplicates and search nDCG@10 all stay within 0.01 of exact vectors (hybrid
nDCG is 0.015 higher), and segmentation is unchanged (same sentence vectors). The split decision
itself is made exactly as before. VOXINDEX_SEGMENT_ONE_PASS=0 encodes each message whole again.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass

import numpy as np

from indexer.pipeline import FunctionStage
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
    groups = plan_groups(sentences, preds)
    if len(groups) < 2:
        return [text]
    return [" ".join(sentences[i] for i in g) for g in groups]


def plan_groups(sentences: list[str], preds: dict) -> list[list[int]]:
    """Pure: the sentence indices of each segment (one group: the message stays whole)."""
    pieces = []
    for i, s in enumerate(sentences):
        p = preds.get(i)
        if p is None:  # too short to stand alone: never confident, label unused
            pieces.append(Piece(s, None, False))
        else:
            pieces.append(Piece(s, p.primary_sub_theme, p.confidence >= SPLIT_CONFIDENCE and p.score >= SPLIT_SCORE))
    segments: list[list[int]] = []
    for i, piece in enumerate(pieces):
        if not segments:
            segments.append([i])
            continue
        current = segments[-1]
        label = next((pieces[j].label for j in current if pieces[j].confident), None)
        if piece.confident and label is not None and piece.label != label and len(segments) < MAX_SEGMENTS:
            segments.append([i])
        else:  # includes an unlabeled lead-in ("Hi team,") joining the first real signal
            current.append(i)
    return segments


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


def segment_stage(settings=None, classifier=None, embedder=None, one_pass: bool | None = None):
    """Stage: split multi-signal customer units; everything else passes through untouched.

    one_pass (default: settings.segment_one_pass, on): candidates leave this stage with their
    `embedding` derived from their sentence vectors (see the module doc), so the embed stage does
    not encode them again."""
    from .taxonomy import get_classifier

    clf = classifier or get_classifier(settings=settings)
    emb = embedder or clf.embed
    if one_pass is None:
        one_pass = getattr(settings, "segment_one_pass", True)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        plans: dict[int, tuple[list[str], list[int]]] = {}
        for n, u in enumerate(units):
            if is_signal(u) and u.segment_index == 0 and u.text and len(u.text) >= MIN_CHARS:
                sentences, todo = candidates(u.text)
                if todo:
                    plans[n] = (sentences, todo)
        if one_pass and plans and hasattr(emb, "encoder"):  # an Embedder (tests may pass a plain function)
            return _one_pass(units, plans, clf, emb)
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


def derive_vector(vectors: np.ndarray, tokens: list[int]) -> np.ndarray:
    """Pure: one text's vector from its sentences' unit vectors, weighted by their token counts."""
    w = np.asarray(tokens, dtype=np.float32)[:, None]
    v = (np.asarray(vectors, dtype=np.float32) * w).sum(0)
    return v / max(float(np.linalg.norm(v)), 1e-12)


def one_pass_plans(texts: list[str], plans: list[tuple[list[str], list[int]]], clf, emb):
    """For each text: (segment groups of sentence indices, message vector, segment vectors or None
    when the message stays whole, each sentence's shared-layer states or None). One encoder call
    for all sentences of all texts."""
    flat = [s for sentences, _ in plans for s in sentences]
    vecs, states = emb.encode_with_states(flat)
    lengths = emb.encoder.tokenizer.lengths(flat)
    result, at = [], 0
    for sentences, todo in plans:
        mine, toks = vecs[at : at + len(sentences)], lengths[at : at + len(sentences)]
        my_states = states[at : at + len(sentences)]
        at += len(sentences)
        preds = dict(zip(todo, clf.predict([sentences[i] for i in todo], mine[todo])))
        groups = plan_groups(sentences, preds)
        seg_vecs = None
        if len(groups) > 1:
            seg_vecs = [derive_vector(mine[g], [toks[i] for i in g]) for g in groups]
        result.append((groups, derive_vector(mine, toks), seg_vecs, my_states))
    return result


def _one_pass(units: list[FeedbackUnit], plans: dict, clf, emb) -> list[FeedbackUnit]:
    order = list(plans)
    results = dict(zip(order, one_pass_plans([units[n].text for n in order], [plans[n] for n in order], clf, emb)))
    out: list[FeedbackUnit] = []
    for n, u in enumerate(units):
        if n not in results:
            out.append(u)
            continue
        groups, vector, seg_vecs, states = results[n]
        sentences = plans[n][0]
        if seg_vecs is None:
            u.embedding = vector.tolist()
            emb.compose_states(u.text, states)  # the branch's input, from the same pass (when opted in)
            out.append(u)
            continue
        segs = split_unit(u, [" ".join(sentences[i] for i in g) for g in groups])
        for seg, v, g in zip(segs, seg_vecs, groups):
            seg.embedding = v.tolist() if v is not None else None
            emb.compose_states(seg.text, [states[i] for i in g])
        out.extend(segs)
    return out
