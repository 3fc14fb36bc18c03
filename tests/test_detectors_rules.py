"""Rules are YAML, one per file, and a bad rule says which file and which field is wrong."""
from datetime import timedelta

import pytest

from detectors.rules import RuleError, load_rules, parse_duration, parse_rule
from voxindex.cli import main


def write(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def test_the_shipped_example_rules_are_valid():
    rules, errors = load_rules(strict=False)
    assert errors == []
    assert {r.type for r in rules} == {"spike", "trend", "new_term", "flatline", "schema_change", "account_risk", "impact"}


def test_a_bad_window_names_the_file_and_the_field(tmp_path):
    path = write(tmp_path, "spike_theme.yaml", "type: spike\nwindow: soon\n")
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    assert f"{path}: field 'window': expected a duration like '1d'" in str(err.value)
    assert "'soon'" in str(err.value)


@pytest.mark.parametrize("body, field", [
    ("type: spikey\n", "type"),
    ("type: spike\ndimension: colour\n", "dimension"),
    ("type: spike\nfilters: {colour: red}\n", "filters.colour"),
    ("type: spike\nmin_count: many\n", "min_count"),
    ("type: spike\nthreshold: 3\n", "threshold"),
    ("type: spike\nschedule: {cron: 'every day'}\n", "schedule.cron"),
    ("type: spike\nalerts: [{type: slack}]\n", "alerts[0].webhook_url"),
    ("type: spike\nwindo: 1d\n", "windo"),
    ("type: spike\nbaseline_windows: 0\n", "baseline_windows"),
    ("type: spike\nalerts: [{type: pager}]\n", "alerts[0].type"),
    ("type: impact\nquery: refund\n", "dimension"),
    ("type: spike\ndimension: [sub_theme]\nexpected: share\n", "expected"),
])
def test_every_validation_error_names_its_field(tmp_path, body, field):
    write(tmp_path, "r.yaml", body)
    with pytest.raises(RuleError, match=rf"r\.yaml: field '{field.replace('[', '.').replace(']', '.')}'"):
        load_rules(tmp_path)


def test_the_message_says_what_was_expected_and_what_was_given(tmp_path):
    path = write(tmp_path, "counts.yaml", "type: trend\nmin_count: many\nwindow: soon\n")
    with pytest.raises(RuleError) as err:
        load_rules(tmp_path)
    # the first problem in field order, in the rule's own words (not the validation library's)
    assert str(err.value) == f"{path}: field 'window': expected a duration like '1d', '6h' or '15m', got 'soon'"
    write(tmp_path, "counts.yaml", "type: trend\nmin_count: 2.5\n")
    with pytest.raises(RuleError, match=r"field 'min_count': expected a whole number, got 2\.5$"):
        load_rules(tmp_path)


@pytest.mark.parametrize("field, value, meaning", [("owner", "5", "a team name"), ("query", "[a]", "keywords as a string")])
def test_free_text_fields_say_what_they_hold(tmp_path, field, value, meaning):
    write(tmp_path, "r.yaml", f"type: trend\nwindow: 1d\n{field}: {value}\n")
    with pytest.raises(RuleError, match=rf"field '{field}': expected {meaning}, got "):
        load_rules(tmp_path)


def test_defaults_schedule_and_realert_are_parsed():
    rule = parse_rule({"type": "spike", "schedule": "0 * * * *", "realert": "6h"}, "x.yaml", "x")
    assert rule.schedule.cron == "0 * * * *" and rule.realert == timedelta(hours=6)
    assert rule.dimension == ["theme"] and rule.window == timedelta(days=1) and rule.baseline_windows == 7
    assert parse_duration("90m") == timedelta(minutes=90)


def test_validate_command_reports_all_files_and_fails_on_any_error(tmp_path, capsys):
    write(tmp_path, "good.yaml", "type: trend\n")
    write(tmp_path, "bad.yaml", "type: flatline\nwindow: 0d\n")
    write(tmp_path, "routing.yaml", "routes: {theme: {billing: payments}}\ndefault: triage\n")
    assert main(["detectors", "validate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "bad.yaml: field 'window'" in err and "1 valid, 1 invalid" in err
