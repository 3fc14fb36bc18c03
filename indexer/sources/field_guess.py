"""What a file's header and first records say about its field map: common header names per
canonical key (`guess_field_map`), and, where a header says too little, the values: survey answer
columns found by their words, a survey tool's extra header rows, a vote count that is no rating.
Every function here is pure; `mapped.MappedConnector` settles the map with them when it opens a
file. Also the two readers of a mapped value the guesses share with the connector (`lookup`,
`parse_rating`)."""
from __future__ import annotations

import re
from typing import Any

from voxindex.model import ValidationError

from .base import blank, parse_number

# header names per canonical key, most specific first; matched after normalising case and
# punctuation ("Created At" == "created_at"). Substrings are tried only when no exact name fits.
HEADER_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "text": (
        ("text", "body", "message", "comment", "comments", "review", "review_text", "review_body", "verbatim",
         "content", "feedback_text", "tweet", "tweet_text", "description", "details", "response", "answer",
         "kommentar", "commentaire", "comentario", "commento"),
        # "feedback" last: in a review dump it may be a 0/1 flag beside the review column
        ("review", "comment", "verbatim", "message", "text", "body", "content", "feedback"),
    ),
    "created_at": (
        ("created_at", "created", "date", "timestamp", "submitted_at", "submitted", "time", "datetime",
         "posted_at", "posted", "review_date", "date_created", "creation_date", "created_date", "sent_at",
         "started_at", "received_at", "recorded_date", "end_date", "datum", "fecha", "data"),
        # "started" last: a chat export's "Conversation started at" is when the customer wrote
        ("created", "submitted", "submit", "timestamp", "date", "time", "started"),
    ),
    "id": (
        ("id", "record_id", "review_id", "response_id", "ticket_id", "tweet_id", "post_id", "message_id",
         "comment_id", "feedback_id", "conversation_id", "submission_id", "case_id", "interaction_id", "respondent_id", "uuid",
         "guid", "id_str"),
        (),
    ),
    "email": (("email", "e_mail", "email_address", "author_email", "user_email", "customer_email"), ("email",)),
    "name": (
        ("name", "author", "author_name", "user", "username", "user_name", "reviewer", "reviewer_name",
         "customer_name", "customer", "nickname", "screen_name", "full_name", "profile_name", "profilename"),
        (),
    ),
    "rating": (("rating", "score", "stars", "star_rating", "stars_given", "overall", "nps", "nps_score", "csat",
                "csat_score"), ("rating", "stars")),
    "title": (("title", "subject", "summary", "headline", "review_title"), ()),
    "updated_at": (("updated_at", "updated", "modified", "modified_at", "last_modified"), ()),
    "account_id": (("account_id", "account", "company_id", "organization_id", "org_id", "company", "company_name",
                    "organization", "organisation", "account_name"), ()),
    "locale": (("locale", "language", "lang"), ("locale", "language")),
    "app_version": (("app_version", "app_version_name", "version", "version_name"), ()),
    "url": (("url", "link", "permalink"), ("link",)),
    "tags": (("tags", "labels"), ()),
}


def lookup(record: dict, column: str) -> Any:
    """A column, or a dotted path into nested JSON objects (`user.name`) when no key has that name."""
    if column in record or "." not in column:
        return record.get(column)
    value: Any = record
    for part in column.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


_RATING = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(?:/\s*\d+|out of \d+(?:\s*stars?)?|stars?)?\s*$", re.IGNORECASE)


def parse_rating(value: Any, name: str) -> float | None:
    """A number, or a rating as review sites write it: `4.0 out of 5 stars`, `4/5`, `4,5`, `★★★★☆`."""
    if isinstance(value, str) and value.strip():
        text = value.strip()
        if set(text) <= {"★", "☆"}:
            return float(text.count("★"))
        m = _RATING.match(text)
        if m:
            return float(m.group(1).replace(",", "."))
    return parse_number(value, name)


def norm_header(header: str) -> str:
    # camelCase is split first: an Amazon export's `reviewText` is review_text, and its `reviewerID`
    # (reviewer_id) must not be taken for the text because "review" is part of its name
    header = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", header)
    return re.sub(r"[^a-z0-9]+", "_", header.lower()).strip("_")


# A column whose name has one of these words holds something other than the text, whatever else it
# says: Trustpilot's "Review Created (UTC)" is a date and "Review Title" a title, not the review
NOT_TEXT_WORDS = frozenset({"id", "date", "time", "created", "updated", "utc", "title", "name", "email", "url",
                            "link", "stars", "rating", "score", "count", "language", "lang", "reply", "tags"})


def _partial_ok(key: str, norm: str) -> bool:
    if norm.endswith("_id"):
        return False
    return key != "text" or not NOT_TEXT_WORDS & set(norm.split("_"))


def guess_field_map(columns: list[str]) -> dict[str, str]:
    """Canonical key -> column, from common header names. Each column is used once."""
    norms = {col: norm_header(col) for col in columns}
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(norms[col], col)
    taken: set[str] = set()
    out: dict[str, str] = {}
    for key, (exact, partial) in HEADER_NAMES.items():
        found = next((by_norm[n] for n in exact if n in by_norm and by_norm[n] not in taken), None)
        if found is None:
            found = next(
                (col for frag in partial for col in columns
                 if frag in norms[col] and col not in taken and _partial_ok(key, norms[col])),
                None,
            )
        if found is not None:
            out[key] = found
            taken.add(found)
    return out


VALUE_SAMPLE = 200  # records read ahead to judge a column by its values
MIN_TEXT_WORDS = 3.0  # mean words of answers for a column to count as free text


def _words(value: Any) -> int:
    """Words of a prose value; 0 for what is not prose (numbers, dates, ids, emails, a browser's
    user-agent string): most of its tokens must be words."""
    if not isinstance(value, str):
        return 0
    tokens = value.split()
    words = sum(1 for t in tokens if t.strip(".,;:!?'\"()[]-").replace("'", "").replace("’", "").isalpha())
    return words if tokens and words >= 0.6 * len(tokens) else 0


def guess_text_columns(columns: list[str], samples: list[dict], taken: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The free-text columns judged from their values, for exports whose header names no text
    column (a survey names its columns by the question asked: "What could we do better?"): every
    column not taken whose non-empty sampled values have at least MIN_TEXT_WORDS words on
    average, in the file's order. Pure."""
    found = []
    for col in columns:
        if col in taken or norm_header(col).endswith("_id"):
            continue
        values = [v for v in (lookup(r, col) for r in samples) if not blank(v)]
        if values and sum(_words(v) for v in values) / len(values) >= MIN_TEXT_WORDS:
            found.append(col)
    return found


UNNAMED = re.compile(r"^column_\d+$")  # the name the reader gives a column whose header cell is blank
IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"')  # Qualtrics' third header row
SUB_HEADERS = frozenset({"response", "open-ended response", "other (please specify)"})  # SurveyMonkey's second


def extra_header_rows(records: list[dict]) -> tuple[int, dict[str, str], str]:
    """(how many leading records are more header rows, column -> question text, what those rows
    hold) for a survey tool that writes several header rows: Qualtrics puts each column's question
    text under its id (`Q3` -> "What could we improve?"), then a row of `{"ImportId": ...}` objects;
    SurveyMonkey writes a row naming each answer column's kind ("Response", "Open-Ended Response")
    under the questions. (0, {}, "") for any other file. Pure."""
    for i, record in enumerate(records[:3]):
        values = [v for v in record.values() if isinstance(v, str) and v.strip()]
        if values and sum(bool(IMPORT_ID.match(v)) for v in values) >= 0.5 * len(values):
            questions = {c: v.strip() for c, v in records[0].items() if isinstance(v, str) and v.strip()} if i else {}
            return i + 1, questions, "question text, import ids" if i else "import ids"
    first = [v.strip().lower() for v in (records[0].values() if records else ()) if isinstance(v, str) and v.strip()]
    if first and sum(v in SUB_HEADERS for v in first) >= 0.5 * len(first):
        # an unnamed column belongs to the question before it: "Which tool? (Other (please specify))"
        questions, asked = {}, ""
        for column, kind in records[0].items():
            if UNNAMED.match(column) and asked:
                questions[column] = f"{asked} ({kind.strip()})" if isinstance(kind, str) and kind.strip() else asked
            elif not UNNAMED.match(column):
                asked = column
        return 1, questions, "answer kinds"
    return 0, {}, ""


NPS_QUESTION = re.compile(r"\brecommend", re.IGNORECASE)  # "How likely are you to recommend us to a friend?"


def nps_question_column(columns: list[str], questions: dict[str, str], samples: list[dict],
                        taken: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The column asking the NPS question, by its header (a form tool's export) or its question
    text (Qualtrics' `Q1`), when its sampled values are all whole scores 0-10: a survey's score,
    which no header calls a rating. Pure."""
    for column in columns:
        if column in taken or not NPS_QUESTION.search(f"{column} {questions.get(column, '')}"):
            continue
        values = [str(v).strip() for v in (lookup(r, column) for r in samples) if not blank(v)]
        if values and all(v.isdigit() and int(v) <= 10 for v in values):
            return column
    return None


RATING_RANGE = (0.0, 10.0)  # every rating scale a feedback tool uses fits: stars, CSAT, NPS


def sampled_ratings(column: str, samples: list[dict]) -> list[float]:
    """The column's sampled values that read as ratings. Pure."""
    values = []
    for r in samples:
        try:
            v = parse_rating(lookup(r, column), column)
        except ValidationError:
            continue  # a value that is no number is the record's own error, reported when it is read
        if v is not None:
            values.append(v)
    return values


def off_scale(column: str, samples: list[dict]) -> str | None:
    """Why a column guessed as the rating is none, judged from sampled values (a forum export's
    `score` counts votes: negative, or in the thousands), or None when its values fit a rating
    scale. Pure."""
    values = sampled_ratings(column, samples)
    if values and (min(values) < RATING_RANGE[0] or max(values) > RATING_RANGE[1]):
        return f"{column} (values {min(values):g} to {max(values):g}: votes or counts, not a rating)"
    return None


def numbered_like(column: str, columns: list[str], samples: list[dict], taken: set[str]) -> list[str]:
    """Columns named like `column` but for their numbers (`Q2_TEXT`, `Q3_TEXT`; `Comment 1`,
    `Comment 2`) that hold prose too, in the file's order, `column` included. Pure."""
    def shape(name: str) -> str:
        return re.sub(r"\d+", "#", norm_header(name))

    if not re.search(r"\d", column):
        return [column]
    return [c for c in columns if c == column or (c not in taken and shape(c) == shape(column) and c in guess_text_columns([c], samples))]
