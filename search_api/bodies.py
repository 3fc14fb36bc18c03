"""Request bodies, bounded before they reach a view: size (413, checked before reading), JSON that is
malformed, nested deeper than any VoxIndex record needs, or carrying lone surrogates (which cannot
be encoded to send to Elasticsearch) -> a clear 400."""
from __future__ import annotations

import json
from typing import Any

from .errors import ApiError

MAX_DEPTH = 32


def too_large(content_length: int | None, limit: int) -> ApiError | None:
    if content_length is not None and content_length > limit:
        return ApiError(413, "payload_too_large", f"the body is {content_length:,} bytes; the limit is {limit:,}",
                        {"limit": limit})
    return None


def _check(value: Any) -> None:
    """Depth and surrogates, iteratively (a recursive walk is what the deep body attacks)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ApiError(400, "invalid_body", f"the JSON body is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, str):
            _text(item)
        elif isinstance(item, dict):
            for k, v in item.items():
                _text(k)
                stack.append((v, depth + 1))
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _text(s: str) -> None:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "invalid_body", "the JSON body holds a lone UTF-16 surrogate (\\ud800-\\udfff); "
                                            "send valid Unicode") from None


def parse_json(raw: bytes) -> Any:
    """The decoded body, or ApiError(400) saying what is wrong with it."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_body", "the body is not UTF-8") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise ApiError(400, "invalid_body", f"the JSON body is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise ApiError(400, "invalid_body", f"the body is not valid JSON: {exc}") from None
    _check(value)
    return value
