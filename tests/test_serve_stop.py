"""`voxindex serve stop` stops the background API its pidfile names, and only that: nothing
running is exit 1 with "not running", a stale pidfile is cleared, and a pid that now belongs to
another program is never signalled. (`serve --background` itself: tests/test_serve_rerun.py, slow.)"""
from __future__ import annotations

import subprocess
import sys

import pytest

from voxindex.cli import main


@pytest.fixture
def sleeper():
    """A process whose command line names voxindex (what a background API's does) or not."""
    procs = []

    def spawn(*argv: str) -> subprocess.Popen:
        proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", *argv])
        procs.append(proc)
        return proc

    yield spawn
    for proc in procs:
        proc.kill()
        proc.wait()


def test_stop_with_nothing_running_says_so_and_exits_1(tmp_path, capsys):
    assert main(["serve", "stop", "--pidfile", str(tmp_path / "api.pid")]) == 1
    assert "not running" in capsys.readouterr().out


def test_stop_terminates_the_server_its_pidfile_names(tmp_path, sleeper, capsys):
    server = sleeper("-m", "voxindex.cli", "serve")
    pidfile = tmp_path / "api.pid"
    pidfile.write_text(str(server.pid))
    assert main(["serve", "stop", "--pidfile", str(pidfile)]) == 0
    assert server.wait(timeout=20) is not None and not pidfile.exists()
    assert f"stopped (pid {server.pid})" in capsys.readouterr().out


def test_a_stale_pidfile_is_cleared(tmp_path, sleeper):
    gone = sleeper("voxindex")
    gone.kill()
    gone.wait()
    pidfile = tmp_path / "api.pid"
    pidfile.write_text(str(gone.pid))
    main(["serve", "stop", "--pidfile", str(pidfile)])
    assert not pidfile.exists()


def test_a_pid_now_owned_by_another_program_is_never_signalled(tmp_path, sleeper, capsys):
    other = sleeper()  # e.g. after a reboot the number names something else
    pidfile = tmp_path / "api.pid"
    pidfile.write_text(str(other.pid))
    assert main(["serve", "stop", "--pidfile", str(pidfile)]) == 1
    assert other.poll() is None, "serve stop killed a program that is not the VoxIndex API"
    assert not pidfile.exists() and "not a VoxIndex server" in capsys.readouterr().out
