"""Ship the Kibana saved objects: import them into a Kibana, export them back, check them offline.

Import is one multipart POST of every NDJSON line to `/api/saved_objects/_import?overwrite=true`
(the `kbn-xsrf` header is mandatory for Kibana's write APIs); export is
`POST /api/saved_objects/_export` of the VoxIndex objects with their references, split back
into the three files by type.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import requests

from .kibana_objects import FILES, KIBANA_DIR

TYPE_FILE = {"index-pattern": "data_views.ndjson", "lens": "visualizations.ndjson", "dashboard": "dashboards.ndjson"}


class KibanaError(RuntimeError):
    pass


def load_objects(kibana_dir: Path = KIBANA_DIR) -> list[dict[str, Any]]:
    """Every saved object in the shipped files, data views first (the import order Kibana likes)."""
    objects: list[dict[str, Any]] = []
    for name in FILES:
        path = kibana_dir / name
        for lineno, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                objects.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise KibanaError(f"{path}:{lineno}: not valid JSON ({exc})") from exc
    return objects


def ndjson_bytes(objects: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(o, sort_keys=True) + "\n" for o in objects).encode("utf-8")


def _base(url: str, space: str | None) -> str:
    url = url.rstrip("/")
    return f"{url}/s/{space}" if space and space != "default" else url


def _headers(api_key: str | None) -> dict[str, str]:
    headers = {"kbn-xsrf": "voxindex"}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    return headers


@dataclass
class ImportResult:
    success: bool
    success_count: int
    errors: list[dict[str, Any]]


def import_objects(url: str, api_key: str | None = None, space: str | None = None,
                   kibana_dir: Path = KIBANA_DIR, timeout: float = 60.0) -> ImportResult:
    objects = load_objects(kibana_dir)
    resp = requests.post(
        f"{_base(url, space)}/api/saved_objects/_import",
        params={"overwrite": "true"},
        headers=_headers(api_key),
        files={"file": ("voxindex.ndjson", ndjson_bytes(objects), "application/ndjson")},
        timeout=timeout,
    )
    if resp.status_code >= 400:
        raise KibanaError(f"Kibana import failed: HTTP {resp.status_code}: {resp.text[:500]}")
    body = resp.json()
    return ImportResult(bool(body.get("success")), int(body.get("successCount", 0)), list(body.get("errors", [])))


def export_objects(url: str, out_dir: Path = KIBANA_DIR, api_key: str | None = None, space: str | None = None,
                   timeout: float = 60.0) -> dict[str, int]:
    """Export the dashboards we ship (and everything they reference) back into `out_dir`."""
    wanted = [{"type": o["type"], "id": o["id"]} for o in load_objects() if o["type"] == "dashboard"]
    resp = requests.post(
        f"{_base(url, space)}/api/saved_objects/_export",
        headers={**_headers(api_key), "Content-Type": "application/json"},
        json={"objects": wanted, "includeReferencesDeep": True, "excludeExportDetails": False},
        timeout=timeout,
    )
    if resp.status_code >= 400:
        raise KibanaError(f"Kibana export failed: HTTP {resp.status_code}: {resp.text[:500]}")
    by_file: dict[str, list[dict]] = {name: [] for name in TYPE_FILE.values()}
    for line in resp.text.splitlines():
        if not line.strip():
            continue
        obj = json.loads(line)
        if "exportedCount" in obj:  # the trailing export summary
            continue
        target = TYPE_FILE.get(obj.get("type"))
        if target:
            by_file[target].append(obj)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, objs in by_file.items():
        objs.sort(key=lambda o: o["id"])
        (out_dir / name).write_bytes(ndjson_bytes(objs))
    return {name: len(objs) for name, objs in by_file.items()}


# ---------------------------------------------------------------- offline checks (used by tests)


def lens_layers(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    states = obj["attributes"]["state"]["datasourceStates"]
    source = states.get("formBased") or states.get("indexpattern") or {}
    return source.get("layers", {})


def lens_columns(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The columns of every layer, in column order."""
    out = []
    for layer in lens_layers(obj).values():
        out.extend(layer["columns"][cid] for cid in layer["columnOrder"])
    return out


def kql_fields(kql: str) -> set[str]:
    return set(re.findall(r"([A-Za-z_][\w.]*)\s*:", kql or ""))


def fields_used(obj: dict[str, Any]) -> set[str]:
    """Every index field a saved object reads (Lens columns, its KQL, a data view's time field)."""
    if obj["type"] == "lens":
        used = {c["sourceField"] for c in lens_columns(obj) if c.get("sourceField") not in (None, "___records___")}
        used |= kql_fields(obj["attributes"]["state"].get("query", {}).get("query", ""))
        return used
    if obj["type"] == "index-pattern":
        return {obj["attributes"]["timeFieldName"]} if obj["attributes"].get("timeFieldName") else set()
    return set()


def mapping_fields(mapping: dict[str, Any], prefix: str = "") -> set[str]:
    out: set[str] = set()
    for name, spec in mapping.get("properties", {}).items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            out |= mapping_fields(spec, path + ".")
        else:
            out.add(path)
            for sub in spec.get("fields", {}):
                out.add(f"{path}.{sub}")
    return out
