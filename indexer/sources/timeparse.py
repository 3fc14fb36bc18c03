"""Timestamps as exports write them: a pure parser every connector shares.

Order of attempts for a string: the user's strftime patterns (`--time-format`, in order),
ISO-8601, epoch seconds/milliseconds, then a few patterns whose day and month cannot be
confused (`31-Jul-18`, `Jul 31, 2018`, RFC 2822, Twitter's `Tue Feb 24 11:35:52 -0800 2015`).
An all-digit date such as `02-03-2015` is refused unless a pattern says which field is the
day: guessing per value would read half a file one way and half the other. The refusal names
patterns that would read the value, so the fix is one flag away.

A timestamp without a zone is read in `default_tz` (UTC unless configured); every result is an
aware UTC datetime.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from voxindex.model import ValidationError

# Textual-month and fully-ordered patterns: never ambiguous, so tried without being asked.
UNAMBIGUOUS_FORMATS = (
    "%d-%b-%y", "%d-%b-%Y", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y",
    "%d-%b-%Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y %H:%M:%S", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M",
    "%a %b %d %H:%M:%S %z %Y",  # Twitter API
    "%Y/%m/%d", "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y.%m.%d", "%Y.%m.%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H.%M",
)

# a date whose first two numeric fields could be day/month or month/day
_NUMERIC_DATE = re.compile(r"^\s*(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})(?:[ T](\d{1,2})([:.])(\d{2})(?:\6(\d{2}))?\s*([AaPp][Mm])?)?\s*$")
_EPOCH = re.compile(r"^\s*-?\d{9,13}(\.\d+)?\s*$")  # seconds (10 digits now) or milliseconds (13)

EXCEL = "excel"  # a --time-format for spreadsheet serial dates: days since 1899-12-30 (45658.5)
EXCEL_EPOCH = datetime(1899, 12, 30)
EPOCH_MS_ABOVE = 1e11  # seconds would be the year 5138: this is milliseconds
EPOCH_US_ABOVE = 1e14


def zone_name(tz: tzinfo) -> str:
    """The name `zone` reads back as `tz`: `Europe/Paris`, `UTC`, `+02:00`."""
    key = getattr(tz, "key", None)
    if key:
        return key
    offset = tz.utcoffset(None) or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    return f"{'+' if minutes > 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone(name: str | None) -> tzinfo:
    """`UTC`, `Europe/Paris`, `+02:00` -> tzinfo; a clear error for anything else."""
    if not name or name.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name.strip())
    if m:
        delta = timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        return timezone(delta if m.group(1) == "+" else -delta)
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}: use an IANA name (Europe/Paris), UTC or an offset (+02:00)") from None


def suggest_formats(value: str) -> list[str]:
    """strftime patterns that read an all-digit date, day-first and month-first where both fit."""
    m = _NUMERIC_DATE.match(value)
    if not m:
        return []
    a, sep, b, year, hour, tsep, _minute, second, ampm = m.groups()
    y = "%Y" if len(year) == 4 else "%y"
    time_part = ""
    if hour is not None:
        h = "%I" if ampm else "%H"
        time_part = f" {h}{tsep}%M" + (f"{tsep}%S" if second else "") + (" %p" if ampm else "")
        if "T" in value:
            time_part = "T" + time_part[1:]
    day_first = f"%d{sep}%m{sep}{y}{time_part}"
    month_first = f"%m{sep}%d{sep}{y}{time_part}"
    out = []
    if int(a) <= 31 and int(b) <= 12:
        out.append(day_first)
    if int(a) <= 12 and int(b) <= 31:
        out.append(month_first)
    return out


@dataclass(frozen=True)
class TimeParser:
    formats: tuple[str, ...] = ()  # the user's strftime patterns, tried first and in order
    default_tz: tzinfo = field(default=timezone.utc)

    @classmethod
    def build(cls, formats: Any = None, tz: str | None = None) -> "TimeParser":
        if isinstance(formats, str):
            formats = [formats]
        fmts = tuple(f for f in (formats or ()) if f and f.strip())
        for f in fmts:
            if "%" not in f and f != EXCEL:
                raise ValueError(f"time format {f!r} has no % directive; write it as strftime, e.g. '%d-%m-%Y %H:%M'")
        return cls(fmts, zone(tz))

    def _aware(self, dt: datetime) -> datetime:
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=self.default_tz)
        return dt.astimezone(timezone.utc)

    def parse(self, value: Any, field_name: str = "timestamp") -> datetime:
        if isinstance(value, datetime):
            return self._aware(value)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if EXCEL in self.formats:
                return self.parse(str(value), field_name)
            return _epoch(float(value), value, field_name)
        if not isinstance(value, str) or not value.strip():
            raise ValidationError(f"{field_name}: missing or empty (got {value!r})")
        text = value.strip()
        for fmt in self.formats:
            try:
                if fmt == EXCEL:
                    return self._aware(EXCEL_EPOCH + timedelta(days=float(text)))
                return self._aware(datetime.strptime(text, fmt))
            except (ValueError, OverflowError):
                continue
        if self.formats and not _looks_iso(text):
            tried = ", ".join(repr(f) for f in self.formats)
            raise ValidationError(f"{field_name}: {value!r} does not match the time format {tried}")
        iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        try:
            return self._aware(datetime.fromisoformat(iso))
        except ValueError:
            pass
        if _EPOCH.match(text):
            return _epoch(float(text), value, field_name)
        suggestions = suggest_formats(text)
        if suggestions:
            fix = " or ".join(f"--time-format '{s}'" for s in suggestions)
            raise ValidationError(
                f"{field_name}: {value!r} is not ISO-8601; an all-digit date is read only when a format states its day/month order: {fix}"
            )
        for fmt in UNAMBIGUOUS_FORMATS:
            try:
                return self._aware(datetime.strptime(text, fmt))
            except ValueError:
                continue
        try:
            return self._aware(parsedate_to_datetime(text))
        except (TypeError, ValueError, IndexError):
            pass
        raise ValidationError(
            f"{field_name}: {value!r} is not an ISO-8601 timestamp; say how to read it with --time-format"
        )


def _looks_iso(text: str) -> bool:
    return bool(re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)", text))


def _epoch(number: float, value: Any, field_name: str) -> datetime:
    if number != number:
        raise ValidationError(f"{field_name}: NaN is not a timestamp")
    if abs(number) >= EPOCH_US_ABOVE:
        raise ValidationError(f"{field_name}: {value!r} is too large for epoch seconds or milliseconds")
    if abs(number) >= EPOCH_MS_ABOVE:
        number /= 1e3
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValidationError(f"{field_name}: {value!r} is out of range for an epoch timestamp") from None


DEFAULT_PARSER = TimeParser()
