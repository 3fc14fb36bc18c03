"""The access layer's `Filters` (voxindex.access), with the renderings the reports and the web view
need: a search-API URL and a web-view URL for the units behind every number.

Reports and pages count the same population the detectors do (customer signal, exact duplicates
left out), so this `Filters` defaults `dedupe` to True.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from voxindex.access import FIELDS, FILTER_NAMES
from voxindex.access import Filters as AccessFilters
from voxindex.model import iso

TERM_FILTERS: dict[str, str] = {name: FIELDS[name] for name in FILTER_NAMES}


@dataclass(frozen=True)
class Filters(AccessFilters):
    dedupe: bool = True

    # ---------------------------------------------------------------- links
    def params(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if self.q:
            out.append(("q", self.q))
        for name in TERM_FILTERS:
            for value in getattr(self, name):
                out.append((name, value))
        if self.start:
            out.append(("from", iso(self.start)))
        if self.end:
            out.append(("to", iso(self.end)))
        return out

    def api_url(self, base: str = "") -> str:
        return f"{base}/v1/search?{urlencode(self.params())}"

    def ui_url(self, base: str = "") -> str:
        return f"{base}/ui/search?{urlencode(self.params())}"

    @classmethod
    def from_args(cls, args: Any) -> "Filters":
        """From a werkzeug MultiDict (or any mapping with getlist); blank values are ignored. Dates go
        through the API's own parser, so the same bounds hold (no year 1, no year 9999)."""
        from search_api.errors import ApiError
        from search_api.spec import parse_datetime

        def many(name: str) -> tuple[str, ...]:
            getter = getattr(args, "getlist", None)
            raw = getter(name) if getter else ([args[name]] if args.get(name) else [])
            return tuple(v for v in (s.strip()[:128] for s in raw) if v)[:20]

        def when(name: str) -> datetime | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            try:
                return parse_datetime(value, name)
            except ApiError as exc:
                raise ValueError(exc.message) from None

        kwargs: dict[str, Any] = {name: many(name) for name in TERM_FILTERS}
        q = (args.get("q") or "").strip()[:500] or None
        return cls(q=q, start=when("from"), end=when("to"), **kwargs)
