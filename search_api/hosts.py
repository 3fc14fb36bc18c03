"""The Host allow-list: the configured API host, loopback names, and VOXINDEX_ALLOWED_HOSTS. Any port:
DNS rebinding changes the name a page talks to, not the port."""
from __future__ import annotations

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(settings) -> list[str]:
    names = [getattr(settings, "api_host", "") or "", *LOOPBACK, *getattr(settings, "allowed_hosts", ())]
    return [n.lower() for n in dict.fromkeys(names) if n and n not in ("0.0.0.0", "::")]


def hostname(host: str) -> str:
    host = (host or "").strip().lower()
    if host.startswith("["):  # [::1]:8000
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def host_allowed(host: str, settings) -> bool:
    return hostname(host) in allowed_hosts(settings)
