"""The command line: every command and sub-command explains itself with `--help`, every area's
commands arrive the one way (voxindex/subcommands.py), `bench all` runs every registered bench,
and logging is set up once, in one format, at the level asked for."""
from __future__ import annotations

import logging

import pytest

from voxindex import cli
from voxindex.bench import BENCH_MODULES
from voxindex.subcommands import subcommands, walk

PATHS = [path for path, _ in walk(cli.build_parser())]


def test_voxindex_help_lists_every_area_command(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name in ("es", "setup", "demo", "demo-data", "ingest", "eval", "bench", "taxonomy", "train", "identity",
                 "detectors", "watches", "serve", "api-keys", "mcp", "kibana", "report"):
        assert f"\n    {name} " in out, name


@pytest.mark.parametrize("path", PATHS, ids=" ".join)
def test_every_command_explains_itself_with_help(path, capsys):
    parser = dict(walk(cli.build_parser()))[path]
    with pytest.raises(SystemExit) as done:
        cli.main([*path, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: voxindex {' '.join(path)}")
    assert parser.description and parser.description.split("\n")[0].strip()[:40] in out


def test_each_command_is_registered_once_by_the_area_that_owns_it():
    parser = cli.build_parser()
    top = subcommands(parser)
    assert "validate-fixes" in subcommands(top["detectors"])  # the detectors area owns its closed loop
    assert list(subcommands(top["bench"])) == ["ingest", "search", "detectors", "encoder", "all"]
    assert len(BENCH_MODULES) == 4


def test_bench_all_runs_every_registered_bench_in_order(monkeypatch):
    ran: list[str] = []
    real_build = cli.build_parser

    def build():
        parser = real_build()
        for name, bench in subcommands(subcommands(parser)["bench"]).items():
            if name != "all":
                bench.set_defaults(func=lambda args, name=name: ran.append(name) or (2 if name == "search" else 0))
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    assert cli.main(["bench", "all"]) == 2  # the worst exit code of the benches
    assert ran == ["ingest", "search", "detectors", "encoder"]
    ran.clear()
    assert cli.main(["bench", "all", "--skip", "search,encoder"]) == 0
    assert ran == ["ingest", "detectors"]
    assert cli.main(["bench", "all", "--skip", "nope"]) == 1  # an unknown bench is a clear error


def _our_handlers():
    return [h for h in logging.getLogger().handlers if isinstance(h, cli._Stderr)]


def test_logging_is_set_up_once_in_one_format_at_the_level_asked(monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("VOXINDEX_LOG_LEVEL", raising=False)
    assert cli.main(["detectors", "validate", str(tmp_path)]) == 0  # no rules: nothing invalid
    assert logging.getLogger().level == logging.WARNING
    assert logging.getLogger("elastic_transport").level == logging.ERROR
    assert cli.main(["--log-level", "debug", "detectors", "validate", str(tmp_path)]) == 0
    assert logging.getLogger().level == logging.DEBUG
    monkeypatch.setenv("VOXINDEX_LOG_LEVEL", "INFO")
    assert cli.main(["detectors", "validate", str(tmp_path)]) == 0
    assert logging.getLogger().level == logging.INFO
    assert len(_our_handlers()) == 1 and _our_handlers()[0].formatter._fmt == cli.LOG_FORMAT
    logging.getLogger("voxindex.test").info("one line")
    assert "INFO voxindex.test: one line" in capsys.readouterr().err


def test_the_detector_scheduler_logs_at_info_by_default(monkeypatch):
    monkeypatch.delenv("VOXINDEX_LOG_LEVEL", raising=False)
    args = cli.build_parser().parse_args(["detectors", "run", "--once"])
    assert args.log_level_default == "INFO"


def test_a_bad_log_level_is_a_clear_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("VOXINDEX_LOG_LEVEL", "loud")
    assert cli.main(["detectors", "validate", str(tmp_path)]) == 1
    assert "VOXINDEX_LOG_LEVEL='loud'" in capsys.readouterr().err


def test_bench_ingest_compares_speed_modes_by_their_median_against_the_default():
    from indexer.bench import speed_summary

    run = lambda speed, ups: {"speed": speed, "warm_units_per_s": ups, "warm_units_per_cpu_s": ups / 1.5,  # noqa: E731
                              "peak_rss_mb": 1500.0}
    text = speed_summary([run("accurate", 150.0), run("fast", 210.0), run("accurate", 170.0), run("fast", 200.0)])
    assert "accurate 160.0" in text and "fast 205.0 (1.28x)" in text
    assert len(text.splitlines()) == 6  # header, four runs, the medians
