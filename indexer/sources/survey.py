"""NPS / CSAT survey exports. A blank verbatim is a score without words: the record is read (and
counted as empty) but yields no unit; the score is the unit's `rating` and the survey kind its tag,
which is what theme impact on NPS and CSAT reads (`search_api/impact.py`).

The demo's `surveys.csv` (response_id, survey, email, score, verbatim, submitted_at, locale) maps as
it is. Any other export is mapped like the generic CSV connector (`mapped.MappedConnector`: header
names, then values, `--map` over both): a Delighted, Typeform or Qualtrics NPS export needs no
preprocessing. A file without a column naming each response's kind is one kind throughout: NPS
when its sampled scores run 0-10, CSAT when they stay within 1-5, or as stated with
`--map survey=@nps` / `@csat`."""
from __future__ import annotations

from typing import Any

from voxindex.model import ValidationError

from .base import Part, RecordInfo, blank, parse_number, require
from .field_guess import lookup, norm_header, sampled_ratings
from .mapped import MappedConnector, MappingError

SCALES = {"nps": (0, 10), "csat": (1, 5)}
KIND_CONSTANT = "@"  # --map survey=@nps: the whole file is one kind of survey
SURVEY_COLUMNS = ("survey", "survey_type", "survey_kind")  # a column naming each response's kind


def scale_of(scores: list[float]) -> str | None:
    """The survey kind sampled scores fit: 'csat' when all lie in 1..5, 'nps' when all lie in
    0..10 and some do not; None when they fit neither (or there are none). Pure."""
    if not scores or min(scores) < 0 or max(scores) > 10:
        return None
    return "csat" if min(scores) >= 1 and max(scores) <= 5 else "nps"


class SurveyConnector(MappedConnector):
    name = "survey"
    source = "survey"
    channel = "survey"
    default_filename = "surveys.csv"
    cursor_field = "created_at"
    file_format = "csv"
    default_map = {
        "id": "response_id", "text": "verbatim", "created_at": "submitted_at", "email": "email",
        "rating": "score", "locale": "locale", "survey": "survey",
    }
    drop_off_scale_rating = False  # a survey's score column is its score: `_file_kind` judges its scale
    missing_by_column = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.file_kind: str | None = None  # the kind of a file with no survey column

    def resolve_map(self, columns: list[str], strict: bool = True, samples: list[dict] | None = None) -> dict[str, str]:
        fm = super().resolve_map(columns, strict=strict, samples=samples)
        self.file_kind = None
        if "survey" in fm and not fm["survey"].startswith(KIND_CONSTANT):
            return fm  # each response names its kind
        if "rating" not in fm:
            raise MappingError(f"{self.name}: no score column found; the file's columns are: {', '.join(columns)}. "
                               "Map one with --map rating=COLUMN")
        self.file_kind = self._file_kind(fm, samples or [])
        return fm

    def _file_kind(self, fm: dict[str, str], samples: list[dict]) -> str:
        """The one kind of a file without a survey column: stated (`--map survey=@nps`), else read
        from its first scores, and printed with the map."""
        stated = fm.get("survey", "")
        if stated:
            if stated[1:].lower() not in SCALES:
                raise MappingError(f"{self.name}: --map survey={stated} names no survey kind; use @nps or @csat")
            return stated[1:].lower()
        kind = scale_of(sampled_ratings(fm["rating"], samples))
        if kind is None:
            raise MappingError(f"{self.name}: cannot tell whether {fm['rating']!r} holds NPS (0-10) or CSAT (1-5) scores "
                               "from its first values; say which with --map survey=@nps or --map survey=@csat")
        note = (f"survey kind {kind} throughout (the first scores run {'0-10' if kind == 'nps' else '1-5'}; "
                "--map survey=@nps or @csat says otherwise)")
        self.map_note = f"{self.map_note}; {note}" if self.map_note else f"{self.name}: {note}"
        return kind

    def _guess(self, columns: list[str], samples: list[dict]) -> tuple[dict[str, str], str, str | None]:
        base, note, not_rating = super()._guess(columns, samples)
        taken = set(base.values()) | set(self.explicit_map.values())
        kind = next((c for c in columns if norm_header(c) in SURVEY_COLUMNS and c not in taken), None)
        if kind is not None:
            base["survey"] = kind
        return base, note, not_rating

    def parse(self, record: dict[str, Any]) -> tuple[RecordInfo, list[Part]]:
        info, parts = super().parse(record)
        column = self.field_map.get("survey", "")
        if self.file_kind is not None or column.startswith(KIND_CONSTANT):
            kind = self.file_kind or column[1:].lower()
        else:
            raw = lookup(record, column)
            if blank(raw):
                raise ValidationError(f"{column}: required field missing")
            kind = str(raw).strip().lower()
        if kind not in SCALES:
            raise ValidationError(f"{column or 'survey'}: {kind!r} is not one of {sorted(SCALES)}")
        # a survey tool writes its scores as numbers: "9/10" or "4 stars" in a score column is a broken
        # record, not a review site's rating (which the generic connectors read)
        score_column = self.field_map.get("rating", "score")
        low, high = SCALES[kind]
        info.rating = parse_number(require({score_column: lookup(record, score_column)}, score_column), score_column, low, high)
        info.tags = [kind, *info.tags]
        return info, parts
