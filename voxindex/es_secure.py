"""A second local node with x-pack security on, and the least-privilege roles VoxIndex runs under.

The demo keeps security off on loopback; this proves VoxIndex also runs where it is on. The
node reuses the installed distribution (x-pack security ships inside the integ-test-zip) with
its own config, data and logs under VOXINDEX_HOME/es-secure-<port>, so it never touches the
node on 9200. HTTP TLS stays off because it binds loopback only; a file-realm superuser made
and one user per role are written to the node's file realm with the distribution's
`elasticsearch-users` tool, the roles to its roles.yml:

- `voxindex_api`: reads feedback, accounts, alerts, watches, apikeys; writes audit (append only),
  alerts (acknowledge/assign) and, for admin POST /v1/ingest, feedback, state and dead letters
  without reading them; never reads `people` or `deadletter`.
- `voxindex_detector`: reads feedback and accounts, reads/writes alerts, watches and state.
- `voxindex_indexer`: everything under the prefix (setup, ingest, people, dead letters).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, get_settings
from .esctl import EsCtlError, NodeDirs, as_user, ensure_user, install, java_env, layout, node_config, runs_as, stop_pid, tail_logs

ADMIN_USER = "vx_admin"


@dataclass(frozen=True)
class SecureNode(NodeDirs):
    port: int

    @property
    def conf(self) -> Path:
        return self.root / "config"

    @property
    def pidfile(self) -> Path:
        return self.root / "es.pid"

    @property
    def credentials(self) -> Path:
        return self.root / "credentials.json"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def node_for(port: int, settings: Settings | None = None) -> SecureNode:
    s = settings or get_settings()
    # beside the main node's files, so the ES user can traverse to it the same way
    return SecureNode(root=layout(s).root.parent / f"es-secure-{port}", port=port)


def _config(node: SecureNode) -> str:
    return node_config(
        header="written by `voxindex es start --secure`", cluster="voxindex-secure",
        node=f"voxindex-secure-{node.port}", host="127.0.0.1", http_port=node.port,
        data=node.data, logs=node.logs,
        security=[
            f"transport.port: {node.port + 100}",
            "xpack.security.enabled: true",
            "xpack.security.enrollment.enabled: false",
            # loopback only: TLS would add certificates without protecting anything on this host
            "xpack.security.http.ssl.enabled: false",
            "xpack.security.transport.ssl.enabled: false",
        ])


def _env(settings: Settings, node: SecureNode) -> dict[str, str]:
    return java_env(settings, node.root, settings.es_secure_heap, conf=node.conf)


def roles_yaml(prefix: str) -> str:
    """roles.yml for the node: JSON flow style, which is YAML too."""
    return "\n".join(f"{name}: {json.dumps(body)}" for name, body in role_definitions(prefix).items()) + "\n"


def start_secure(port: int = 9201, settings: Settings | None = None, prefix: str | None = None,
                 timeout: float = 240.0) -> SecureNode:
    """Start (or reuse) the secured node on `port` for the indices under `prefix` (default: the
    configured one). Roles go to the node's roles.yml and users to its file realm (made with the
    distribution's `elasticsearch-users`): the integ-test-zip lacks analysis-common, which the
    `.security` index needs, so the native realm, API-defined roles and API keys cannot work
    there, while file-realm users and file roles work on every distribution. The credentials of
    every user are saved in `credentials.json` (mode 0600). Raises EsCtlError with the node's
    log tail if it does not come up."""
    s = settings or get_settings()
    prefix = prefix or s.index_prefix
    node = node_for(port, s)
    if node.credentials.exists() and answers(node):
        if credentials(node).get("prefix") == prefix:
            return node
        raise EsCtlError(f"a secured node already runs on {node.url} for prefix {credentials(node).get('prefix')!r}")
    user = runs_as(s)
    if user:
        ensure_user(user)
    es_home = install(s) if not (layout(s).es_home / "bin" / "elasticsearch").exists() else layout(s).es_home
    for d in (node.data, node.logs):
        d.mkdir(parents=True, exist_ok=True)
    if not (node.conf / "jvm.options").exists():
        shutil.rmtree(node.conf, ignore_errors=True)
        shutil.copytree(es_home / "config", node.conf)
    (node.conf / "elasticsearch.yml").write_text(_config(node))
    (node.conf / "roles.yml").write_text(roles_yaml(prefix))
    for name in ("users", "users_roles"):
        (node.conf / name).write_text("")
    env = _env(s, node)
    users_tool = str(es_home / "bin" / "elasticsearch-users")
    creds: dict = {"url": node.url, "prefix": prefix, "users": {}}
    for role in ("superuser", *role_definitions(prefix)):
        username = ADMIN_USER if role == "superuser" else role.replace("voxindex_", "vx_")
        password = secrets.token_urlsafe(18)
        made = subprocess.run([users_tool, "useradd", username, "-p", password, "-r", role],
                              env=env, capture_output=True, text=True)
        if made.returncode != 0:
            raise EsCtlError(f"elasticsearch-users useradd {username} failed: {made.stdout}{made.stderr}")
        creds["users"][role] = {"username": username, "password": password}
    node.credentials.write_text(json.dumps(creds, indent=2))
    node.credentials.chmod(0o600)
    if user:
        subprocess.run(["chown", "-R", f"{user}:", str(node.root)], check=True)
        os.chown(node.credentials, 0, 0)
    cmd = as_user(user, env, [str(es_home / "bin" / "elasticsearch"), "-d", "-p", str(node.pidfile)])
    with open(node.root / "stdout.log", "ab") as out:
        proc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=node.root)
    if proc.returncode != 0:
        raise EsCtlError(f"secured Elasticsearch failed to start (exit {proc.returncode}):\n{_tail(node)}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answers(node):
            return node
        time.sleep(1.0)
    raise EsCtlError(f"secured Elasticsearch did not answer on {node.url} within {timeout:.0f}s\n{_tail(node)}")


def credentials(node: SecureNode) -> dict:
    return json.loads(node.credentials.read_text())


def user_settings(node: SecureNode, role: str, settings: Settings | None = None) -> Settings:
    """Settings that talk to the secured node as the user holding `role` (e.g. "voxindex_api")."""
    from dataclasses import replace

    creds = credentials(node)
    user = creds["users"][role]
    return replace(settings or get_settings(), es_url=node.url, es_username=user["username"],
                   es_password=user["password"], index_prefix=creds["prefix"])


def admin_client(node: SecureNode):
    from elasticsearch import Elasticsearch

    admin = credentials(node)["users"]["superuser"]
    return Elasticsearch(node.url, basic_auth=(admin["username"], admin["password"]), request_timeout=30)


def answers(node: SecureNode) -> bool:
    try:
        admin_client(node).options(request_timeout=3).cluster.health(wait_for_status="yellow", timeout="2s")
        return True
    except Exception:
        return False


def _tail(node: SecureNode, n: int = 30) -> str:
    return tail_logs([node.root / "stdout.log", *sorted(node.logs.glob("*.log"))], n)


def stop_secure(node: SecureNode, timeout: float = 60.0) -> bool:
    return stop_pid(node.pidfile, timeout)


# ------------------------------------------------------------------ roles (pure) and users


def role_definitions(prefix: str) -> dict[str, dict]:
    """Role bodies for one index prefix. Index privileges name the alias patterns (`<prefix>-<kind>*`
    covers the read alias, the write alias and the physical `-vN` index)."""

    def idx(kinds: list[str], privileges: list[str]) -> dict:
        return {"names": [f"{prefix}-{k}*" for k in kinds], "privileges": privileges}

    read = ["read", "view_index_metadata"]
    append = ["create_doc", "index"]  # write a document, never read one back
    return {
        "voxindex_api": {
            "cluster": ["monitor"],
            "indices": [
                idx(["feedback", "accounts", "alerts", "watches", "apikeys"], read),
                idx(["feedback", "alerts", "watches", "state"], ["write", "maintenance"]),
                idx(["state"], read),
                idx(["audit", "deadletter"], append),
            ],
        },
        "voxindex_detector": {
            "cluster": ["monitor"],
            "indices": [
                idx(["feedback", "accounts", "alerts", "watches", "state"], read),
                idx(["alerts", "watches", "state"], ["write", "maintenance"]),
            ],
        },
        "voxindex_indexer": {
            "cluster": ["monitor", "manage_index_templates"],
            "indices": [idx(["*"], ["all"])],
        },
    }
