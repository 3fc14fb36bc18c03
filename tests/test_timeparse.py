"""Timestamps as exports write them: user formats in order, epoch seconds and milliseconds,
unambiguous textual dates, a refusal (with the fix) of all-digit dates whose day/month order
nobody stated, and a configurable zone for naive timestamps."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from indexer.sources.timeparse import TimeParser, suggest_formats, zone
from voxindex.model import ValidationError

UTC = timezone.utc


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_spreadsheet_dates_read_with_the_format_the_user_gives():
    parser = TimeParser.build(["%d-%m-%Y %H.%M"])
    assert parser.parse("22-02-2015 12.01", "tweet_created") == at(2015, 2, 22, 12, 1)
    assert parser.parse("08-02-2015 09.30", "tweet_created") == at(2015, 2, 8, 9, 30)  # day first, as stated


def test_several_formats_are_tried_in_order_and_iso_still_reads():
    parser = TimeParser.build(["%d/%m/%Y %H:%M", "%d/%m/%Y"])
    assert parser.parse("03/01/2026 10:15", "d") == at(2026, 1, 3, 10, 15)
    assert parser.parse("03/01/2026", "d") == at(2026, 1, 3)
    assert parser.parse("2026-01-03T10:15:00Z", "d") == at(2026, 1, 3, 10, 15)
    with pytest.raises(ValidationError, match=r"d: '3 Jan' does not match the time format '%d/%m/%Y %H:%M', '%d/%m/%Y'"):
        parser.parse("3 Jan", "d")


def test_all_digit_dates_are_refused_without_a_format_and_the_refusal_names_the_fix():
    parser = TimeParser()
    with pytest.raises(ValidationError) as one:
        parser.parse("22-02-2015 12.01", "tweet_created")
    assert "--time-format '%d-%m-%Y %H.%M'" in str(one.value)
    assert "%m-%d-%Y" not in str(one.value)  # 22 cannot be a month
    with pytest.raises(ValidationError) as both:
        parser.parse("03/04/2026", "date")
    assert "--time-format '%d/%m/%Y' or --time-format '%m/%d/%Y'" in str(both.value)
    assert suggest_formats("1/2/26 3:04 PM") == ["%d/%m/%y %I:%M %p", "%m/%d/%y %I:%M %p"]


def test_epoch_seconds_and_milliseconds():
    parser = TimeParser()
    assert parser.parse(1767261600, "t") == at(2026, 1, 1, 10, 0)
    assert parser.parse("1767261600", "t") == at(2026, 1, 1, 10, 0)
    assert parser.parse(1767261600000, "t") == at(2026, 1, 1, 10, 0)
    assert parser.parse("1767261600123", "t") == datetime(2026, 1, 1, 10, 0, 0, 123000, tzinfo=UTC)
    with pytest.raises(ValidationError):  # microseconds are not an export format we guess; the demo plants this one
        parser.parse("1699999999999999", "t")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("31-Jul-18", at(2018, 7, 31)),
        ("Jan 5, 2026", at(2026, 1, 5)),
        ("5 January 2026", at(2026, 1, 5)),
        ("Tue Feb 24 11:35:52 -0800 2015", at(2015, 2, 24, 19, 35, 52)),
        ("2015-02-24 11:35:52 -0800", at(2015, 2, 24, 19, 35, 52)),
        ("Wed, 04 Mar 2026 10:00:00 +0100", at(2026, 3, 4, 9, 0)),
        ("2026/03/04 10:00", at(2026, 3, 4, 10, 0)),
    ],
)
def test_unambiguous_dates_need_no_format(value, expected):
    assert TimeParser().parse(value, "t") == expected


def test_naive_timestamps_are_read_in_the_default_zone_and_stored_in_utc():
    paris = TimeParser.build(["%d-%m-%Y %H.%M"], "Europe/Paris")
    assert paris.parse("22-02-2015 12.01", "t") == at(2015, 2, 22, 11, 1)
    assert paris.parse("2026-07-01T12:00:00", "t") == at(2026, 7, 1, 10, 0)  # summer time
    assert paris.parse("2026-07-01T12:00:00Z", "t") == at(2026, 7, 1, 12, 0)  # an explicit zone wins
    assert TimeParser.build(None, "+05:30").parse("2026-01-01 00:00", "t") == at(2025, 12, 31, 18, 30)


def test_spreadsheet_serial_dates_with_the_excel_format():
    parser = TimeParser.build(["excel"], "Europe/Paris")
    assert parser.parse("45658.5", "t") == at(2025, 1, 1, 11, 0)
    assert parser.parse(45658, "t") == at(2024, 12, 31, 23, 0)
    assert parser.parse("2025-01-01T12:00:00Z", "t") == at(2025, 1, 1, 12, 0)


def test_bad_settings_fail_clearly():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        zone("Mars/Olympus")
    with pytest.raises(ValueError, match="has no % directive"):
        TimeParser.build(["dd-mm-yyyy"])
    with pytest.raises(ValidationError, match="missing or empty"):
        TimeParser().parse("  ", "created_at")
