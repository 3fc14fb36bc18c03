"""Install, start, stop and inspect the local single-node Elasticsearch.

The only Elasticsearch any registry here carries is the `integ-test-zip` on Maven Central, so
`install` fetches that with Maven, pinned to `config.ES_VERSION`. Elasticsearch refuses to run
as root, and machines and CI run as root, so `start` creates a dedicated system user and runs
the node as that user. A node that already answers on the configured URL is reused.
"""
from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .config import Settings, get_settings
from .es import client, ping, wait_until_up

ARTIFACT = "org.elasticsearch.distribution.integ-test-zip:elasticsearch:{version}:zip"


class EsCtlError(RuntimeError):
    pass


def _say(msg: str) -> None:
    print(f"[es] {msg}", file=sys.stderr, flush=True)


def _is_root() -> bool:
    return os.geteuid() == 0


@dataclass(frozen=True)
class NodeDirs:
    """Where a local node keeps its data and logs (the managed node and the secured one alike)."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


@dataclass(frozen=True)
class Layout(NodeDirs):
    version: str

    @property
    def downloads(self) -> Path:
        return self.root / "downloads"

    @property
    def es_home(self) -> Path:
        return self.root / f"elasticsearch-{self.version}"

    @property
    def pidfile(self) -> Path:
        return self.logs / "es.pid"

    @property
    def stdout_log(self) -> Path:
        return self.logs / "stdout.log"


def runs_as(settings: Settings) -> str | None:
    """The user the node runs as: the dedicated one when we are root, else ourselves."""
    return settings.es_user if _is_root() else None


def _traversable_by(user: str, path: Path) -> bool:
    """Every parent directory must be searchable by the dedicated user (a clone under /root is not)."""
    probe = path
    while not probe.exists():
        probe = probe.parent
    result = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(probe)], capture_output=True)
    return result.returncode == 0


def layout(settings: Settings | None = None) -> Layout:
    s = settings or get_settings()
    root = s.home / "es"
    user = runs_as(s)
    if user and _user_exists(user) and not _traversable_by(user, root.parent):
        # The checkout lives somewhere the ES user cannot enter; keep the node's files in a
        # world-traversable place, keyed by the checkout so two clones don't share data.
        key = hashlib.sha1(str(s.home).encode()).hexdigest()[:10]
        root = Path("/var/tmp") / f"voxindex-es-{key}"
    return Layout(root=root, version=s.es_version)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def ensure_user(name: str) -> None:
    if _user_exists(name):
        return
    _say(f"creating system user {name!r} (Elasticsearch refuses to run as root)")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
        check=True,
    )


def find_java_home(settings: Settings) -> str:
    candidates = [settings.es_java_home, os.environ.get("ES_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    jvm = Path("/usr/lib/jvm")
    if jvm.is_dir():
        # JDK 17 is what this version is tested with here; newer ones follow.
        for pattern in ("java-17-openjdk*", "java-21-openjdk*", "temurin-21*", "temurin-*", "java-*-openjdk*"):
            candidates.extend(str(p) for p in sorted(jvm.glob(pattern)))
    for cand in candidates:
        if cand and (Path(cand) / "bin" / "java").exists():
            return cand
    java = shutil.which("java")
    if java:
        return str(Path(os.path.realpath(java)).parent.parent)
    raise EsCtlError("no JDK found: install one (apt-get install openjdk-17-jdk-headless) or set VOXINDEX_ES_JAVA_HOME")


def install(settings: Settings | None = None) -> Path:
    s = settings or get_settings()
    lay = layout(s)
    if (lay.es_home / "bin" / "elasticsearch").exists():
        _say(f"Elasticsearch {s.es_version} already installed at {lay.es_home}")
        return lay.es_home
    lay.downloads.mkdir(parents=True, exist_ok=True)
    archive = lay.downloads / f"elasticsearch-{s.es_version}.zip"
    if not archive.exists():
        mvn = shutil.which("mvn")
        if not mvn:
            raise EsCtlError("Maven (mvn) is needed to fetch Elasticsearch: apt-get install maven")
        artifact = ARTIFACT.format(version=s.es_version)
        _say(f"fetching {artifact} with Maven")
        proc = subprocess.run(
            [mvn, "-q", "-B", "dependency:copy", f"-Dartifact={artifact}", f"-DoutputDirectory={lay.downloads}"],
            capture_output=True,
            text=True,
            cwd=lay.downloads,
        )
        if proc.returncode != 0 or not archive.exists():
            raise EsCtlError(f"Maven could not fetch {artifact}:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    _say(f"unpacking {archive.name}")
    tmp = lay.root / ".unpack"
    shutil.rmtree(tmp, ignore_errors=True)
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            target = zf.extract(info, tmp)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                os.chmod(target, mode)
    unpacked = next(tmp.iterdir())
    shutil.rmtree(lay.es_home, ignore_errors=True)
    unpacked.rename(lay.es_home)
    shutil.rmtree(tmp, ignore_errors=True)
    return lay.es_home


def node_config(*, header: str, cluster: str, node: str, host: str, http_port: int, data: Path, logs: Path,
                security: list[str]) -> str:
    """elasticsearch.yml of a single local node; the managed node and the secured one differ only
    in names, ports, paths and the security lines."""
    lines = [
        f"# {header}",
        f"cluster.name: {cluster}",
        f"node.name: {node}",
        "discovery.type: single-node",
        f"network.host: {host}",
        f"http.port: {http_port}",
        f"path.data: {data}",
        f"path.logs: {logs}",
        *security,
        # small disks on dev machines must not flip indices read-only mid-test
        "cluster.routing.allocation.disk.threshold_enabled: false",
        "action.destructive_requires_name: false",
        "indices.query.bool.max_clause_count: 8192",
    ]
    return "\n".join(lines) + "\n"


def _write_config(lay: Layout, settings: Settings) -> None:
    url = urlparse(settings.es_url)
    text = node_config(header="written by `voxindex es start`; edit VOXINDEX_* settings instead",
                       cluster="voxindex", node="voxindex-1", host=url.hostname or "127.0.0.1",
                       http_port=url.port or 9200, data=lay.data, logs=lay.logs,
                       security=["xpack.security.enabled: false"])
    (lay.es_home / "config" / "elasticsearch.yml").write_text(text)


def java_env(settings: Settings, home: Path, heap: str, conf: Path | None = None) -> dict[str, str]:
    """The whole environment a node process gets (nothing else leaks in from ours)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "ES_JAVA_HOME": find_java_home(settings)}
    if conf is not None:
        env["ES_PATH_CONF"] = str(conf)
    env.update({"ES_JAVA_OPTS": f"-Xms{heap} -Xmx{heap}", "HOME": str(home)})
    return env


def as_user(user: str | None, env: dict[str, str], cmd: list[str]) -> list[str]:
    """`cmd` run as `user` with exactly `env` (runuser drops our environment)."""
    if not user:
        return cmd
    return ["runuser", "-u", user, "--", "env"] + [f"{k}={v}" for k, v in env.items()] + cmd


def stop_pid(pidfile: Path, timeout: float = 60.0) -> bool:
    """SIGTERM the node in `pidfile`, SIGKILL after `timeout`; False when nothing was running."""
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        pidfile.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.5)
    os.kill(pid, signal.SIGKILL)
    return True


def tail_logs(paths, n: int = 30) -> str:
    texts = [f"--- {p.name}\n" + "\n".join(p.read_text(errors="replace").splitlines()[-n:]) for p in paths if p.exists()]
    return "\n".join(texts) or "(no log)"


def start(settings: Settings | None = None, timeout: float = 180.0) -> str:
    s = settings or get_settings()
    es = client(s)
    if ping(es):
        _say(f"Elasticsearch already answers at {s.es_url}; reusing it")
        return "reused"
    if not s.es_managed:
        raise EsCtlError(f"{s.es_url} does not answer and is not a local node VoxIndex manages")
    user = runs_as(s)
    if user:
        ensure_user(user)
    install(s)
    lay = layout(s)
    for d in (lay.data, lay.logs):
        d.mkdir(parents=True, exist_ok=True)
    _write_config(lay, s)
    if user:
        subprocess.run(["chown", "-R", f"{user}:", str(lay.root)], check=True)
    env = java_env(s, lay.root, s.es_heap)
    cmd = as_user(user, env, [str(lay.es_home / "bin" / "elasticsearch"), "-d", "-p", str(lay.pidfile)])
    _say(f"starting Elasticsearch {s.es_version} on {s.es_url} (heap {s.es_heap}, user {user or 'current'})")
    with open(lay.stdout_log, "ab") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env if not user else None, cwd=lay.root)
    if proc.returncode != 0:
        raise EsCtlError(f"Elasticsearch failed to start (exit {proc.returncode}):\n{_tail(lay)}")
    try:
        wait_until_up(es, timeout=timeout)
    except Exception as exc:
        raise EsCtlError(f"{exc}\n--- last log lines ---\n{_tail(lay)}") from exc
    _say("Elasticsearch is up")
    return "started"


def _tail(lay: Layout, n: int = 30) -> str:
    return tail_logs([lay.stdout_log, lay.logs / "voxindex.log"], n)


def stop(settings: Settings | None = None, timeout: float = 60.0) -> bool:
    lay = layout(settings or get_settings())
    if not lay.pidfile.exists():
        _say("no pid file: nothing VoxIndex started is running")
        return False
    stopped = stop_pid(lay.pidfile, timeout)
    if stopped:
        _say("stopped")
    return stopped


def status(settings: Settings | None = None) -> dict:
    s = settings or get_settings()
    es = client(s)
    out: dict = {"url": s.es_url, "up": ping(es), "managed": s.es_managed, "home": str(layout(s).root)}
    if out["up"]:
        info = es.nodes.info(metric=["plugins", "jvm"])
        node = next(iter(info["nodes"].values()))
        health = es.cluster.health()
        out.update(
            version=node.get("version"),
            jvm=node.get("jvm", {}).get("version"),
            modules=sorted(m["name"] for m in node.get("modules", [])),
            status=health["status"],
            indices=health["active_primary_shards"],
        )
    return out
