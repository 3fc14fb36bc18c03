"""Planted score effects: a theme that drags a survey score down in one segment.

Applied after a response's score is drawn from its verbatim's sentiment, as a fixed shift with
no random draw, so planting it changes no other record, label or incident of the dataset. The
ground truth (`ground_truth/score_effects.json`) states the effect and the impact it should
produce, computed from the generator's own labels, for `/v1/impact` to recover."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

NPS_SCALE = (0, 10)


@dataclass(frozen=True)
class ScoreEffect:
    id: str
    title: str
    survey: str  # nps | csat
    segment: str
    sub_theme: str
    shift: int  # score points, clamped to the scale

    def applies(self, survey: str, segment: str | None, sub_themes: Iterable[str]) -> bool:
        return survey == self.survey and segment == self.segment and self.sub_theme in set(sub_themes)

    def apply(self, score: int) -> int:
        low, high = NPS_SCALE if self.survey == "nps" else (1, 5)
        return max(low, min(high, score + self.shift))

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "survey": self.survey, "filters": {"segment": self.segment},
                "sub_theme": self.sub_theme, "shift": self.shift}


def default_effects() -> list[ScoreEffect]:
    return [ScoreEffect("nps-enterprise-reporting-export", "Enterprise respondents unhappy with reporting/export score lower",
                        "nps", "enterprise", "reporting-export", -3)]


def shifted(effects: list[ScoreEffect], survey: str, segment: str | None, sub_themes: list[str],
            score: int) -> tuple[int, str | None]:
    """The score after the first effect that applies, and that effect's id."""
    for e in effects:
        if e.applies(survey, segment, sub_themes):
            return e.apply(score), e.id
    return score, None


def nps_value(score: float) -> float:
    return 100.0 if score >= 9 else -100.0 if score <= 6 else 0.0


def nps_impact(rows: list[tuple[float, bool]]) -> float | None:
    """rows: (score, mentions the sub-theme). NPS of all minus NPS without the mentioning ones."""
    rest = [nps_value(s) for s, hit in rows if not hit]
    if not rest or len(rest) == len(rows):
        return None
    return sum(nps_value(s) for s, _ in rows) / len(rows) - sum(rest) / len(rest)


def effect_truth(effect: ScoreEffect, responses: list[dict]) -> dict:
    """responses: {survey, segment, sub_themes, score, score_before, created} of every well-formed
    response with a verbatim (what gets indexed)."""
    def rows(key: str, seg_match: bool) -> list[tuple[float, bool]]:
        return [(r[key], effect.sub_theme in r["sub_themes"]) for r in responses
                if r["survey"] == effect.survey and (r["segment"] == effect.segment) == seg_match]

    inside, outside = rows("score", True), rows("score", False)
    hit = [s for s, h in inside if h]
    before = [s for s, h in rows("score_before", True) if h]
    return {**effect.to_json(),
            "responses_in_segment": len(inside), "responses_affected": len(hit),
            "mean_score_affected_before": round(sum(before) / len(before), 3) if before else None,
            "mean_score_affected_after": round(sum(hit) / len(hit), 3) if hit else None,
            "nps_impact_in_segment": _r(nps_impact(inside)),
            "nps_impact_in_segment_without_effect": _r(nps_impact(rows("score_before", True))),
            "nps_impact_outside_segment": _r(nps_impact(outside))}


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 3)
