"""Running the API under waitress: foreground, or detached with a pidfile; first-run keys."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from voxindex.config import Settings


def default_pidfile(settings: Settings) -> Path:
    return Path(settings.home) / "api.pid"


def ensure_api_indices(es, settings: Settings) -> None:
    from voxindex.setup import setup_indices

    setup_indices(es, settings.indices)  # idempotent; the API reads feedback and alerts, writes audit


def bootstrap_keys(es, settings: Settings, out=None) -> Path | None:
    """With no active key, create an admin and a viewer key once: print them, and keep them in
    <home>/api-keys.txt (mode 0600). Only their hashes are stored in Elasticsearch."""
    from .auth import KeyStore

    store = KeyStore(es, settings.indices)
    if store.active_count() > 0:
        return None
    admin, _ = store.create("admin", "admin", created_by="bootstrap")
    viewer, _ = store.create("viewer", "viewer", created_by="bootstrap")
    path = keys_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"admin  {admin}\nviewer {viewer}\n")
    os.chmod(path, 0o600)
    print("No API keys existed; created two (shown once, also saved to "
          f"{path} with mode 0600):\n  admin : {admin}\n  viewer: {viewer}", file=out or sys.stdout)
    return path


def serve_foreground(settings: Settings, host: str, port: int, threads: int = 8) -> None:
    from waitress import serve

    from .app import create_app

    app = create_app(settings)
    # load (on a fresh machine: export) the query encoder before answering anything, so the first
    # vector query is as fast as the hundredth and /healthz says the models are there
    from .embedding import warm_up

    try:
        warm = warm_up(settings)
        print(f"query encoder {warm['encoder']} loaded in {warm['seconds']} s", file=sys.stderr)
    except Exception as exc:  # keyword search still works; /healthz says models are not loaded
        print(f"query encoder not loaded ({type(exc).__name__}: {exc}); vector search will load it on first use",
              file=sys.stderr)
    print(f"VoxIndex API on http://{host}:{port}  (OpenAPI: /openapi.json, health: /healthz)", file=sys.stderr)
    serve(app, host=host, port=port, threads=threads, ident="voxindex")


def start_background(settings: Settings, host: str, port: int, pidfile: Path) -> int:
    if pidfile.exists():
        pid = running_pid(pidfile)
        if pid:
            raise RuntimeError(f"already running (pid {pid}, {pidfile}); stop it with `voxindex serve stop`")
        pidfile.unlink()
    log = Path(settings.home) / "logs" / "api.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voxindex.cli", "serve", "--host", host, "--port", str(port), "--no-bootstrap"],
            stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    pidfile.parent.mkdir(parents=True, exist_ok=True)
    pidfile.write_text(str(proc.pid))
    # wait until it answers, so a script can use it right after this returns
    import urllib.request

    deadline = time.monotonic() + 300  # a fresh machine exports the encoder first (~30 s on 2 cores)
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited (code {proc.returncode}); see {log}")
        try:
            urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=2)
            break
        except Exception:
            time.sleep(0.5)
    print(f"VoxIndex API running in the background on http://{host}:{port} (pid {proc.pid}, log {log})")
    return proc.pid


def stop(pidfile: Path, timeout: float = 15.0) -> bool:
    pid = _read_pid(pidfile)
    if not pid:
        print(f"not running (no pidfile at {pidfile})")
        return False
    if _alive(pid) and running_pid(pidfile) is None:
        # the number outlived our server (a reboot, a reused pid): never signal another program
        pidfile.unlink(missing_ok=True)
        print(f"not running (pid {pid} in {pidfile} is not a VoxIndex server now; removed the stale pidfile)")
        return False
    if _alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    pidfile.unlink(missing_ok=True)
    print(f"stopped (pid {pid})")
    return True


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours still "exists"; reap it if it is ours
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def running_pid(pidfile: Path) -> int | None:
    """The pid of the background server this pidfile names, while it is alive."""
    pid = _read_pid(pidfile)
    if not pid or not _alive(pid):
        return None
    # after a reboot the number may belong to some other program: never restart (kill) that
    cmdline = Path(f"/proc/{pid}/cmdline")
    try:
        if cmdline.exists() and b"voxindex" not in cmdline.read_bytes():
            return None
    except OSError:
        pass
    return pid


def _reachable(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "") else host


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    """Does a VoxIndex API already answer there (one this pidfile does not know about)?"""
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://{_reachable(host)}:{port}/healthz", timeout=timeout) as res:
            return res.status == 200
    except Exception:
        return False


def keys_file(settings: Settings) -> Path:
    """Where `bootstrap_keys` saves the first admin and viewer keys of this home."""
    return Path(settings.home) / "api-keys.txt"


def saved_key(settings: Settings, name: str) -> str | None:
    """The key `bootstrap_keys` saved under `name` ("admin", "viewer"), or None."""
    try:
        lines = keys_file(settings).read_text().splitlines()
    except OSError:
        return None
    return next((parts[1] for parts in map(str.split, lines) if len(parts) > 1 and parts[0] == name), None)


def accepts(host: str, port: int, key: str, timeout: float = 5.0) -> bool:
    """Does the API there accept this key (an API another home started refuses it with 401)?"""
    import urllib.request

    req = urllib.request.Request(f"http://{_reachable(host)}:{port}/v1/alerts?size=1",
                                 headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout):
            return True
    except OSError:  # refused, timed out, or an HTTP error (urllib's HTTPError is an OSError)
        return False
