"""Configuration lives in one place: every setting is a field of `Settings` read from one
VOXINDEX_* variable, the README's configuration table lists exactly those variables, and no
other module reads them from the environment (datasette's documentation tests are the model)."""
from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from voxindex.config import Settings, env_names, get_settings, read_setting

REPO = Path(__file__).resolve().parent.parent
PACKAGES = ("voxindex", "indexer", "detectors", "search_api", "dashboards")
# os.environ.get("VOXINDEX_X"), os.getenv("VOXINDEX_X"), os.environ["VOXINDEX_X"] (not an assignment)
ENV_READ = re.compile(r"""os\.(?:environ\.get|getenv)\(\s*["'](VOXINDEX_\w+)"""
                      r"""|os\.environ\[\s*["'](VOXINDEX_\w+)["']\s*\](?!\s*=[^=])""")


def readme_variables() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("| `VOXINDEX_"):
            names |= set(re.findall(r"VOXINDEX_[A-Z0-9_]+", line.split("|")[1]))
    return names


SETTING_VARIABLES = sorted(set(env_names().values()))


def test_every_settings_field_names_its_variable():
    undeclared = [f.name for f in fields(Settings) if "env" not in f.metadata]
    assert not undeclared, f"declare these with setting('VOXINDEX_...'): {undeclared}"
    assert len(SETTING_VARIABLES) == len(fields(Settings)), "two fields read the same variable"


@pytest.mark.parametrize("variable", SETTING_VARIABLES)
def test_every_setting_is_in_the_readme_configuration_table(variable):
    assert variable in readme_variables(), f"{variable} is a setting but not in README.md's configuration table"


@pytest.mark.parametrize("variable", sorted(readme_variables()))
def test_every_variable_in_the_readme_table_is_a_setting(variable):
    assert variable in SETTING_VARIABLES, f"README.md documents {variable} but Settings does not read it"


def test_no_module_reads_voxindex_variables_from_the_environment_but_config():
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel == "voxindex/config.py":
                continue
            for m in ENV_READ.finditer(path.read_text(encoding="utf-8")):
                offenders.append(f"{rel}: {m.group(1) or m.group(2)}")
    assert not offenders, "read these through get_settings():\n" + "\n".join(offenders)


def test_the_search_api_limits_come_from_settings(monkeypatch):
    from search_api.app import ApiOptions

    monkeypatch.setenv("VOXINDEX_API_RATE", "5")
    monkeypatch.setenv("VOXINDEX_API_MAX_BODY", "1024")
    settings = get_settings()
    assert (settings.api_rate, settings.api_max_body) == (5.0, 1024)
    assert ApiOptions.from_settings(settings).rate_per_s == 5.0
    assert ApiOptions(burst=1).max_body_bytes == 1024


def test_switches_keep_their_meaning(monkeypatch):
    monkeypatch.setenv("VOXINDEX_WEB_DEMO", "yes")  # opt-in: 1/true/yes
    monkeypatch.setenv("VOXINDEX_INGEST_OVERLAP", "0")  # default-on: 0/false/no turn it off
    monkeypatch.setenv("VOXINDEX_ALLOWED_HOSTS", " a.example , b.example,")
    s = get_settings()
    assert s.web_demo is True and s.ingest_overlap is False and s.segment_one_pass is True
    assert s.allowed_hosts == ("a.example", "b.example")


def test_a_broken_deployment_file_still_lets_the_cli_read_its_own_switches(monkeypatch, tmp_path):
    from voxindex.deployment import ConfigError

    bad = tmp_path / "voxindex.yaml"
    bad.write_text("elasticsearch: [not, a, mapping\n")
    monkeypatch.setenv("VOXINDEX_CONFIG", str(bad))
    monkeypatch.setenv("VOXINDEX_DEBUG", "1")
    assert read_setting("debug") is True
    with pytest.raises(ConfigError):
        get_settings()


def test_the_api_filters_offer_the_configured_taxonomy(monkeypatch, tmp_path):
    from search_api.params import filter_params

    tax = tmp_path / "taxonomy.yaml"
    tax.write_text("version: t1\nthemes:\n  shipping:\n    description: parcels\n    sub_themes:\n"
                   "      late-delivery: {description: the parcel came late}\n")
    monkeypatch.setenv("VOXINDEX_TAXONOMY", str(tax))
    enums = {p.name: p.enum for p in filter_params()}
    assert enums["theme"] == ("shipping",) and enums["sub_theme"] == ("late-delivery",)


def test_the_fast_speed_switch_sets_both_trade_offs_and_each_can_still_be_set(monkeypatch):
    for name in ("VOXINDEX_SPEED", "VOXINDEX_ENCODER", "VOXINDEX_SENTIMENT_FROM_SENTENCES"):
        monkeypatch.delenv(name, raising=False)
    s = Settings()
    assert (s.speed, s.encoder, s.sentiment_from_sentences) == ("accurate", "fp32", False)
    monkeypatch.setenv("VOXINDEX_SPEED", "fast")
    s = Settings()
    assert (s.speed, s.encoder, s.sentiment_from_sentences) == ("fast", "int8", True)
    monkeypatch.setenv("VOXINDEX_ENCODER", "fp32")
    monkeypatch.setenv("VOXINDEX_SENTIMENT_FROM_SENTENCES", "0")
    s = Settings()
    assert (s.encoder, s.sentiment_from_sentences) == ("fp32", False)


def test_an_unknown_speed_is_refused_with_the_choices(monkeypatch):
    monkeypatch.setenv("VOXINDEX_SPEED", "turbo")
    with pytest.raises(ValueError, match="accurate, fast"):
        Settings()
