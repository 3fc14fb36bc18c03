"""All configuration in one place, read from the environment once (with `voxindex.yaml`,
when there is one, supplying defaults under the environment: see voxindex/deployment.py).

Every knob has a default that works on a fresh clone; the README lists them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .model import EMBEDDING_DIMS  # noqa: F401  (the data model's: re-exported for settings' users)

ES_VERSION = "8.19.21"  # newest integ-test-zip on Maven Central that runs on JDK 17


def _env(name: str, default: str | None = None) -> str | None:
    """The environment first, then the deployment file (voxindex.yaml), then the default."""
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    from .deployment import load_deployment

    return load_deployment().settings_defaults().get(name, default)


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "setup.cfg").exists() else Path.cwd()


@dataclass(frozen=True)
class IndexNames:
    """Physical names are `<alias>-v<N>`; code reads and writes through the aliases only."""

    prefix: str

    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def write_alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-write"

    @property
    def feedback(self) -> str:
        return self.alias("feedback")

    @property
    def feedback_write(self) -> str:
        return self.write_alias("feedback")

    @property
    def accounts(self) -> str:
        return self.alias("accounts")

    @property
    def people(self) -> str:
        return self.alias("people")

    @property
    def identities(self) -> str:
        return self.alias("identities")

    @property
    def alerts(self) -> str:
        return self.alias("alerts")

    @property
    def watches(self) -> str:
        return self.alias("watches")

    @property
    def audit(self) -> str:
        return self.alias("audit")

    @property
    def deadletter(self) -> str:
        return self.alias("deadletter")

    @property
    def state(self) -> str:
        return self.alias("state")

    def pattern(self) -> str:
        return f"{self.prefix}-*"


@dataclass(frozen=True)
class Settings:
    es_url: str = field(default_factory=lambda: _env("VOXINDEX_ES_URL", "http://127.0.0.1:9200"))
    es_api_key: str | None = field(default_factory=lambda: _env("VOXINDEX_ES_API_KEY"))
    es_username: str | None = field(default_factory=lambda: _env("VOXINDEX_ES_USERNAME"))
    es_password: str | None = field(default_factory=lambda: _env("VOXINDEX_ES_PASSWORD"))
    es_ca_certs: str | None = field(default_factory=lambda: _env("VOXINDEX_ES_CA_CERTS"))
    es_request_timeout: float = field(default_factory=lambda: float(_env("VOXINDEX_ES_TIMEOUT", "60")))
    index_prefix: str = field(default_factory=lambda: _env("VOXINDEX_INDEX_PREFIX", "voxindex"))
    home: Path = field(default_factory=lambda: Path(_env("VOXINDEX_HOME", str(_repo_root() / ".voxindex"))))
    es_version: str = field(default_factory=lambda: _env("VOXINDEX_ES_VERSION", ES_VERSION))
    es_heap: str = field(default_factory=lambda: _env("VOXINDEX_ES_HEAP", "1g"))
    es_user: str = field(default_factory=lambda: _env("VOXINDEX_ES_USER", "voxindex-es"))
    es_java_home: str | None = field(default_factory=lambda: _env("VOXINDEX_ES_JAVA_HOME"))
    api_host: str = field(default_factory=lambda: _env("VOXINDEX_API_HOST", "127.0.0.1"))
    api_port: int = field(default_factory=lambda: int(_env("VOXINDEX_API_PORT", "8000")))
    # Host names the API and web view answer besides api_host and loopback (comma-separated): an
    # unknown Host is refused, so a DNS-rebinding page cannot reach a loopback server
    allowed_hosts: tuple[str, ...] = field(default_factory=lambda: tuple(
        h.strip() for h in (_env("VOXINDEX_ALLOWED_HOSTS", "") or "").split(",") if h.strip()))
    # keyless web view for a local demo: explicit opt-in, read-only, viewer role (never revenue)
    web_demo: bool = field(default_factory=lambda: (_env("VOXINDEX_WEB_DEMO", "") or "").lower() in ("1", "true", "yes"))
    torch_threads: int = field(default_factory=lambda: int(_env("VOXINDEX_TORCH_THREADS", "1")))
    # sentence encoder (indexer/encoder): fp32 | int8 (ONNX Runtime) | torch (the reference);
    # threads default to the core count; ONNX files are exported on first use into models_dir,
    # which keeps the home it was first given (tests that swap `home` share one export)
    # fp32 by default: int8 passed every other gate but moved segmentation (see README "Measured speed")
    encoder: str = field(default_factory=lambda: _env("VOXINDEX_ENCODER", "fp32"))
    encoder_threads: int = field(default_factory=lambda: int(_env("VOXINDEX_ENCODER_THREADS", str(os.cpu_count() or 1))))
    encoder_batch: int = field(default_factory=lambda: int(_env("VOXINDEX_ENCODER_BATCH", "64")))
    models_dir: Path = field(default_factory=lambda: Path(_env("VOXINDEX_MODELS_DIR", str(
        Path(_env("VOXINDEX_HOME", str(_repo_root() / ".voxindex"))) / "models"))))
    # segmentation derives a message's vector from its sentence vectors instead of encoding the
    # message again (one encoder pass; 0: encode it again, as before; see README "Measured speed")
    segment_one_pass: bool = field(default_factory=lambda: _env("VOXINDEX_SEGMENT_ONE_PASS", "1") not in ("0", "false", "no"))
    query_cache_size: int = field(default_factory=lambda: int(_env("VOXINDEX_QUERY_CACHE", "4096")))
    bulk_chunk_size: int = field(default_factory=lambda: int(_env("VOXINDEX_BULK_CHUNK", "500")))
    bulk_max_retries: int = field(default_factory=lambda: int(_env("VOXINDEX_BULK_RETRIES", "8")))
    # ingest: records per batch (the cursor advances after each batch is indexed) and how long an
    # Elasticsearch outage is retried before the run stops (resumable from its cursor)
    ingest_batch_size: int = field(default_factory=lambda: int(_env("VOXINDEX_INGEST_BATCH", "200")))
    ingest_outage_s: float = field(default_factory=lambda: float(_env("VOXINDEX_INGEST_OUTAGE_S", "120")))
    # seconds between progress lines when ingest runs without a terminal (logs, CI)
    progress_s: float = field(default_factory=lambda: float(_env("VOXINDEX_PROGRESS_S", "5")))
    # time zone for timestamps written without one (IANA name or +HH:MM)
    timezone: str = field(default_factory=lambda: _env("VOXINDEX_TIMEZONE", "UTC"))
    # taxonomy used at ingest (None: the checkout's taxonomy/taxonomy.yaml) and detector rules
    taxonomy_path: str | None = field(default_factory=lambda: _env("VOXINDEX_TAXONOMY"))
    rules_dir: str | None = field(default_factory=lambda: _env("VOXINDEX_RULES_DIR"))
    # `voxindex mcp`: the API key every tool call is made with (its role and scopes apply to the assistant)
    mcp_api_key: str | None = field(default_factory=lambda: _env("VOXINDEX_MCP_API_KEY"), repr=False)
    # dead letters keep at most this many characters of the (redacted) payload; the pointer replays the rest
    deadletter_max_chars: int = field(default_factory=lambda: int(_env("VOXINDEX_DEADLETTER_MAX_CHARS", "16384")))
    # the optional second node with x-pack security on (`voxindex es start --secure`)
    es_secure_heap: str = field(default_factory=lambda: _env("VOXINDEX_ES_SECURE_HEAP", "512m"))
    # enrich batch n+1 while batch n is bulk-written (0: strictly one after the other)
    ingest_overlap: bool = field(default_factory=lambda: _env("VOXINDEX_INGEST_OVERLAP", "1") not in ("0", "false", "no"))

    @property
    def indices(self) -> IndexNames:
        return IndexNames(self.index_prefix)

    @property
    def es_managed(self) -> bool:
        """True when VoxIndex runs the node itself (the local default), false for a real cluster."""
        return self.es_url.rstrip("/") in ("http://127.0.0.1:9200", "http://localhost:9200") and not (
            self.es_api_key or self.es_username
        )


def get_settings(**overrides) -> Settings:
    settings = Settings()
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)
    return settings
