"""Taxonomy labels: a versioned YAML of themes -> sub-themes, and a classifier for it.

The classifier needs no training data. Each sub-theme gets prototype vectors from its own
description, examples and keyword list (embedded with the same MiniLM model as the units), and
a keyword rule score from word-boundary matches of its keywords. A unit's score for a sub-theme is

    score = cosine(unit, prototypes) + KW_WEIGHT * keyword_score

and a softmax over sub-themes turns scores into a confidence. Embeddings carry paraphrase
("my notes vanished" ~ data-loss) where keywords carry precision on short, jargon-heavy text
("SAML", "429"). Changing the YAML (and its `version`) changes labels without touching code;
`voxindex taxonomy apply` re-labels history.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from indexer.pipeline import FunctionStage
from voxindex.model import INTENTS, SEVERITIES, FeedbackUnit, TaxonomyLabels

from .taxonomy_head import head_path
from .taxonomy_head import load as load_head

DEFAULT_TAXONOMY = Path(__file__).resolve().parent.parent.parent / "taxonomy" / "taxonomy.yaml"
KW_WEIGHT = 0.22  # how much one sure keyword hit is worth next to a cosine (0..1) similarity
TEMPERATURE = 0.04  # softmax sharpness over sub-theme scores
REVIEW_FLOOR = 0.45  # below this confidence a unit is flagged needs_review (and feeds `emerging`)
SECONDARY_RATIO = 0.6  # a second label is kept when its probability is this close to the first
# Abstention: a unit whose support (similarity to its best-fitting sub-theme) is under the threshold
# gets no sub-theme. The threshold depends on the number k of sub-themes (with fewer sub-themes more
# of the low-support units are still right, so abstaining costs more). Calibrated on the shared
# corpora's calibration splits only by `python -m indexer.evals.real.abstention`: CLINC150 val,
# names-only taxonomies of k intents (5 seeded draws per k, and all 150), the highest threshold whose
# in-scope accuracy drop stays <= 3 points; medians below (out-of-scope recall on val 0.88 at k=9,
# 0.70 at k=150). HINT3 train with written descriptions allowed higher thresholds (0.345-0.435), so
# the names-only values are the safe side for a described taxonomy.
ABSTAIN_ZERO_SHOT_BY_K = {9: 0.235, 20: 0.265, 50: 0.29, 150: 0.315}


# A message from the taxonomy's own domain that none of its sub-themes covers ("how do I order a
# new card?" to a billing taxonomy) fits every sub-theme about as well, often well enough to pass
# the support threshold; its lead (best score minus the mean over all sub-themes) stays small, and
# under ABSTAIN_LEAD_BY_K it is unclassified too. Calibrated by the same command on the same splits:
# the lead's own CLINC150 val curve (names-only, 3-point rule, medians 0.165, 0.175, 0.21, 0.25)
# times the largest factor (0.05 steps) at which both rules together keep the in-scope drop <= 3
# points on every calibration set (CLINC150 val draws per k, HINT3 train): 0.7.
ABSTAIN_LEAD_BY_K = {9: 0.1155, 20: 0.1225, 50: 0.147, 150: 0.175}


def interpolate_by_k(table: dict[int, float], n_sub_themes: int) -> float:
    ks = np.log(np.array(list(table), dtype=float))
    return float(np.interp(np.log(max(2, n_sub_themes)), ks, list(table.values())))


def abstain_zero_shot(n_sub_themes: int) -> float:
    """Zero-shot support threshold for a taxonomy of n sub-themes (interpolated in ln n)."""
    return interpolate_by_k(ABSTAIN_ZERO_SHOT_BY_K, n_sub_themes)


def abstain_lead_zero_shot(n_sub_themes: int) -> float:
    """Zero-shot lead threshold (best score minus the mean score) for n sub-themes; -inf (rule
    off) below the smallest calibrated k: with few sub-themes the mean is mostly the best score
    itself (k = 2: the lead is half the margin over the other one), a scale nothing calibrated."""
    if n_sub_themes < min(ABSTAIN_LEAD_BY_K):
        return -np.inf
    return interpolate_by_k(ABSTAIN_LEAD_BY_K, n_sub_themes)


ABSTAIN_ZERO_SHOT = abstain_zero_shot(150)  # support = 0.5 * (best prototype + centroid) cosine + keywords


@dataclass(frozen=True)
class SubTheme:
    theme: str
    name: str
    description: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    intent: str | None = None  # the intent this sub-theme usually carries (a prior for `intent`)
    severity: str | None = None  # the least severity of a problem (bug, complaint, churn risk) about it

    @property
    def key(self) -> str:
        return f"{self.theme}/{self.name}"


@dataclass(frozen=True)
class Taxonomy:
    version: str
    themes: dict[str, str]  # theme -> description
    sub_themes: tuple[SubTheme, ...]
    path: str = ""
    theme_intents: dict[str, str] = field(default_factory=dict)  # theme -> intent prior
    examples_csv: str | None = None  # optional `text,sub_theme` file of labeled examples

    @property
    def intent_priors(self) -> dict[str, str]:
        """sub-theme or theme -> intent prior, read from the file's optional `intent:` keys.
        A sub-theme's own `intent` wins over its theme's (look the sub-theme up first)."""
        out = dict(self.theme_intents)
        out.update({s.name: s.intent for s in self.sub_themes if s.intent})
        return out

    @property
    def severity_floors(self) -> dict[str, str]:
        """sub-theme -> the least severity of a problem reported about it (optional `severity:`)."""
        return {s.name: s.severity for s in self.sub_themes if s.severity}

    def intent_prior(self, theme: str | None, sub_theme: str | None) -> str | None:
        priors = self.intent_priors
        return priors.get(sub_theme or "") or priors.get(theme or "")

    def theme_of(self, sub_theme: str) -> str:
        for s in self.sub_themes:
            if s.name == sub_theme:
                return s.theme
        raise KeyError(sub_theme)


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    p = Path(path) if path else DEFAULT_TAXONOMY
    if not p.exists():
        raise FileNotFoundError(f"taxonomy file {p} does not exist")
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or "version" not in data or not data.get("themes"):
        raise ValueError(f"{p}: a taxonomy needs `version` and `themes`")
    _known_keys(p, "the file", data, TOP_KEYS)
    themes: dict[str, str] = {}
    theme_intents: dict[str, str] = {}
    subs: list[SubTheme] = []
    for theme, body in data["themes"].items():
        body = body or {}
        _known_keys(p, f"theme {theme!r}", body, THEME_KEYS)
        themes[theme] = body.get("description", theme)
        if body.get("intent"):
            theme_intents[theme] = _one_of(p, f"theme {theme!r}", "intent", body["intent"], INTENTS)
        for name, sub in (body.get("sub_themes") or {}).items():
            sub = sub or {}
            _known_keys(p, f"sub-theme {name!r}", sub, SUB_THEME_KEYS)
            subs.append(
                SubTheme(
                    theme=theme,
                    name=name,
                    description=sub.get("description", name),
                    keywords=tuple(str(k) for k in sub.get("keywords", [])),
                    examples=tuple(str(e) for e in sub.get("examples", [])),
                    intent=_one_of(p, f"sub-theme {name!r}", "intent", sub.get("intent") or None, INTENTS),
                    severity=_one_of(p, f"sub-theme {name!r}", "severity", sub.get("severity"), SEVERITIES),
                )
            )
    if not subs:
        raise ValueError(f"{p}: no sub_themes defined")
    csv = data.get("examples_csv")
    if csv:
        csv = str((p.parent / csv).resolve()) if not Path(csv).is_absolute() else str(csv)
    return Taxonomy(version=str(data["version"]), themes=themes, sub_themes=tuple(subs), path=str(p),
                    theme_intents=theme_intents, examples_csv=csv)


# a misspelt key ("keyword:", "severty:") would otherwise be ignored without a word
TOP_KEYS = ("version", "themes", "examples_csv")
THEME_KEYS = ("description", "intent", "sub_themes")
SUB_THEME_KEYS = ("description", "keywords", "examples", "intent", "severity")


def _known_keys(path: Path, where: str, body, allowed: tuple[str, ...]) -> None:
    if not isinstance(body, dict):
        raise ValueError(f"{path}: {where} must be a mapping of {', '.join(allowed)}, not {body!r}")
    unknown = [str(k) for k in body if k not in allowed]
    if unknown:
        # `{description: refund, return or replacement}` is YAML for two keys: the description
        # "refund" and a key "return or replacement" with no value (17 sub-themes of this project's
        # own eval taxonomies were cut short that way before this check)
        hint = ("; a comma inside { } starts a new key: put the text in quotes"
                if any(body[k] is None for k in body if k not in allowed) else "")
        raise ValueError(f"{path}: {where} has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}{hint}")


def _one_of(path: Path, where: str, field: str, value, allowed: tuple[str, ...]) -> str | None:
    """An optional label (`intent:`, `severity:`) checked against the model's labels."""
    if value is None:
        return None
    if str(value) not in allowed:
        raise ValueError(f"{path}: {where} has {field} {value!r}; use one of {', '.join(allowed)}")
    return str(value)


def normalize(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text)


def _kw_body(keyword: str) -> str:
    kw = normalize(keyword).strip()
    return re.escape(kw).replace("'", "['’]?")  # can't / cant / can’t


def _kw_pattern(keyword: str) -> re.Pattern:
    return re.compile(rf"(?<![\w]){_kw_body(keyword)}(?![\w])")


def _any_pattern(keywords) -> re.Pattern | None:
    """One alternation over a sub-theme's keywords: a cheap 'any hit at all?' pre-check, so the
    per-keyword patterns run only for the few sub-themes a text mentions."""
    bodies = [_kw_body(k) for k in keywords if normalize(k).strip()]
    if not bodies:
        return None
    return re.compile(r"(?<![\w])(?:" + "|".join(sorted(bodies, key=len, reverse=True)) + r")(?![\w])")


@dataclass
class Prediction:
    sub_themes: list[str]
    themes: list[str]
    confidence: float
    score: float
    probs: dict[str, float] = field(default_factory=dict)
    support: float = 0.0  # how well the unit fits its best sub-theme (the abstention score)
    unclassified: bool = False  # nothing in the taxonomy fits: no sub-theme at all
    lead: float = float("inf")  # zero-shot: best score minus the mean over sub-themes (2nd abstention score)

    @property
    def primary_sub_theme(self) -> str | None:
        return self.sub_themes[0] if self.sub_themes else None

    @property
    def primary_theme(self) -> str | None:
        return self.themes[0] if self.themes else None

    @property
    def best_guess(self) -> str | None:
        """The top sub-theme even when the unit abstained (for evals and the review queue)."""
        return next(iter(self.probs), None)


def humanize(name: str) -> str:
    """`card_arrival` / `DELAY_IN_DELIVERY` / `sync-failure` -> words the encoder understands."""
    return re.sub(r"[_\-?]+", " ", name).strip().lower()


class TaxonomyClassifier:
    """Zero-shot by default; with a learned head (`voxindex taxonomy learn`) the head decides.

    Either way a unit whose support is under the abstention threshold gets no sub-theme:
    `unclassified`, listed in the review queue, never counted. Support is the best sub-theme's
    score zero-shot, and the head's top probability with a learned head (measured against
    nearest-example cosine, margin and normalised variants on CLINC150 val: it recalls the most
    out-of-scope messages at the same in-scope cost). Zero-shot, a unit whose lead (best score
    minus the mean score) is under `abstain_lead` abstains too: it fits every sub-theme alike."""

    def __init__(self, taxonomy: Taxonomy, embed, head=None, abstain: float | None = None,
                 abstain_lead: float | None = None):
        """`abstain` overrides the support threshold; a caller that sets it (-inf: never abstain)
        also turns the lead rule off unless it sets `abstain_lead` too."""
        self.taxonomy = taxonomy
        self.embed = embed
        self.subs = list(taxonomy.sub_themes)
        self.head = head if head is None or head.matches(taxonomy) else None
        self.abstain = abstain if abstain is not None else (
            self.head.threshold if self.head is not None else abstain_zero_shot(len(self.subs)))
        default_lead = -np.inf if self.head is not None or abstain is not None else abstain_lead_zero_shot(len(self.subs))
        self.abstain_lead = default_lead if abstain_lead is None else abstain_lead
        self.patterns = [[(_kw_pattern(k), len(k.split())) for k in s.keywords] for s in self.subs]
        self.any_patterns = [_any_pattern(s.keywords) for s in self.subs]
        self._protos: list[np.ndarray] | None = None
        self._centroids: np.ndarray | None = None
        self._proto_matrix: np.ndarray | None = None  # all prototypes stacked, grouped by sub-theme
        self._proto_starts: np.ndarray | None = None  # first row of each sub-theme's group

    def _prototypes(self):
        if self._protos is None:
            texts, owner = [], []
            for i, s in enumerate(self.subs):
                items = prototype_texts(self.taxonomy, s)
                texts.extend(items)
                owner.extend([i] * len(items))
            vecs = self.embed(texts)
            owner_arr = np.array(owner)
            self._protos = [vecs[owner_arr == i] for i in range(len(self.subs))]
            cents = np.stack([p.mean(0) for p in self._protos])
            self._centroids = cents / np.linalg.norm(cents, axis=1, keepdims=True)
            self._proto_matrix = np.concatenate(self._protos).astype(np.float32)
            self._proto_starts = np.cumsum([0] + [len(p) for p in self._protos[:-1]])
        return self._protos, self._centroids

    def keyword_scores(self, text: str) -> np.ndarray:
        t = normalize(text)
        out = np.zeros(len(self.subs), dtype=np.float32)
        for i, pats in enumerate(self.patterns):
            anyp = self.any_patterns[i]
            if anyp is None or not anyp.search(t):
                continue
            hits = [n for p, n in pats if p.search(t)]
            if hits:
                # multi-word phrases are more specific than single words; several hits add up
                out[i] = min(1.0, sum(0.6 if n == 1 else 0.85 for n in hits))
        return out

    def scores(self, texts: list[str], vectors: np.ndarray | None = None) -> np.ndarray:
        protos, cents = self._prototypes()
        if vectors is None:
            vectors = self.embed(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(texts) == 0:
            return np.zeros((0, len(self.subs)), dtype=np.float32)
        # one matrix multiply against every prototype, then the max within each sub-theme's group
        best = np.maximum.reduceat(vectors @ self._proto_matrix.T, self._proto_starts, axis=1)
        cent = vectors @ cents.T
        sim = 0.5 * best + 0.5 * cent
        kw = np.stack([self.keyword_scores(t) for t in texts])
        return sim + KW_WEIGHT * kw

    def _zero_shot(self, texts, vectors):
        """(probabilities, support, lead) per text."""
        scores = self.scores(texts, vectors)
        z = (scores - scores.max(1, keepdims=True)) / TEMPERATURE
        p = np.exp(z)
        p /= p.sum(1, keepdims=True)
        support = scores.max(1)
        return p, support, support - scores.mean(1)

    def margin(self, pred: "Prediction") -> float:
        """How far `pred` is from abstaining (negative: abstained) under both rules, in the unit
        of whichever rule is closer; evals pool taxonomies with different thresholds on it."""
        return min(pred.support - self.abstain, pred.lead - self.abstain_lead)

    def predict(self, texts: list[str], vectors: np.ndarray | None = None) -> list[Prediction]:
        if len(texts) == 0:
            return []
        if vectors is None:
            vectors = self.embed(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if self.head is not None:
            probs = self.head.proba(vectors)
            order_idx = [self.head.sub_themes.index(s.name) for s in self.subs]
            probs = probs[:, order_idx]
            support = probs.max(1)  # a learned head's own probability is its best out-of-scope signal
            lead = np.full(len(support), np.inf)
        else:
            probs, support, lead = self._zero_shot(texts, vectors)
        preds = []
        for p, sup, ld in zip(probs, support, lead):
            order = np.argsort(-p)
            top = order[0]
            chosen = [top] + [j for j in order[1:3] if p[j] >= SECONDARY_RATIO * p[top]]
            conf = float(p[top])
            top5 = {self.subs[j].name: float(p[j]) for j in order[:5]}
            if sup < self.abstain or ld < self.abstain_lead:
                preds.append(Prediction([], [], round(min(conf, float(sup)), 4), float(sup), top5,
                                        float(sup), unclassified=True, lead=float(ld)))
                continue
            subs = [self.subs[j].name for j in chosen]
            themes: list[str] = []
            for j in chosen:
                if self.subs[j].theme not in themes:
                    themes.append(self.subs[j].theme)
            preds.append(Prediction(subs, themes, round(conf, 4), float(sup), top5, float(sup), lead=float(ld)))
        return preds

    def labels(self, pred: Prediction) -> TaxonomyLabels:
        return TaxonomyLabels(
            version=self.taxonomy.version,
            theme=pred.themes,
            sub_theme=pred.sub_themes,
            primary_theme=pred.primary_theme,
            primary_sub_theme=pred.primary_sub_theme,
            confidence=pred.confidence,
            needs_review=pred.unclassified or pred.confidence < REVIEW_FLOOR,
            confident=not pred.unclassified,
            unclassified=pred.unclassified,
            learned=self.head is not None,
        )


def prototype_texts(taxonomy: Taxonomy, s: SubTheme) -> list[str]:
    """What a sub-theme looks like with no training: its name, description, examples, keywords."""
    theme_desc = taxonomy.themes.get(s.theme, "")
    items = [humanize(s.name), s.description, f"{theme_desc} {s.description}", *s.examples]
    if s.keywords:
        items.append(", ".join(s.keywords))
    return items


_CLASSIFIERS: dict[tuple, TaxonomyClassifier] = {}


def get_classifier(taxonomy_path=None, embedder=None, settings=None) -> TaxonomyClassifier:
    """The deployment's classifier: its taxonomy (argument, else VOXINDEX_TAXONOMY, else the
    checkout's file) with the head `voxindex taxonomy learn` fitted for it, when there is one."""
    from voxindex.config import get_settings

    from .embed import get_embedder

    settings = settings or get_settings()
    emb = embedder or get_embedder(settings)
    tax = load_taxonomy(taxonomy_path or settings.taxonomy_path)
    hp = head_path(settings, tax)
    stamp = hp.stat().st_mtime if hp.exists() else None
    key = (tax.path, tax.version, id(emb), str(hp), stamp)
    if key not in _CLASSIFIERS:
        _CLASSIFIERS[key] = TaxonomyClassifier(tax, emb, head=load_head(hp))
    return _CLASSIFIERS[key]


def taxonomy_stage(settings=None, classifier: TaxonomyClassifier | None = None, taxonomy_path=None):
    """Stage: customer units get `taxonomy`; others are left unlabeled."""
    from . import is_signal

    clf = classifier or get_classifier(taxonomy_path, settings=settings)

    def run(units: list[FeedbackUnit]) -> list[FeedbackUnit]:
        todo = [u for u in units if is_signal(u)]
        if todo:
            vecs = None
            if all(u.embedding is not None for u in todo):
                vecs = np.asarray([u.embedding for u in todo], dtype=np.float32)
            for u, pred in zip(todo, clf.predict([u.text for u in todo], vecs)):
                u.taxonomy = clf.labels(pred)
        return units

    return FunctionStage("taxonomy", run)
