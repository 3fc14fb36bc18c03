"""All configuration in one place, read from the environment once (with `voxindex.yaml`,
when there is one, supplying defaults under the environment: see voxindex/deployment.py).

Every knob has a default that works on a fresh clone; the README lists them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from .deployment import load_deployment
from .model import EMBEDDING_DIMS  # noqa: F401  (the data model's: re-exported for settings' users)

ES_VERSION = "8.19.21"  # newest integ-test-zip on Maven Central that runs on JDK 17


def _env(name: str, default: str | None = None, file: bool = True) -> str | None:
    """The environment first, then the deployment file (voxindex.yaml), then the default."""
    value = os.environ.get(name)
    if value not in (None, ""):
        return value
    if not file:
        return default
    return load_deployment(named=os.environ.get("VOXINDEX_CONFIG")).settings_defaults().get(name, default)


def _repo_root() -> Path:
    here = Path(__file__).resolve().parent.parent
    return here if (here / "setup.cfg").exists() else Path.cwd()


def _default_home() -> str:
    return str(_repo_root() / ".voxindex")


def _home() -> str:
    return _env("VOXINDEX_HOME", _default_home())


def _on(value: str) -> bool:
    """Opt-in switches: only 1/true/yes turn them on."""
    return value.lower() in ("1", "true", "yes")


def _not_off(value: str) -> bool:
    """Default-on switches: only 0/false/no turn them off."""
    return value not in ("0", "false", "no")


SPEEDS = ("accurate", "fast")


def _speed_choice(value: str) -> str:
    v = value.strip().lower()
    if v not in SPEEDS:
        raise ValueError(f"VOXINDEX_SPEED must be one of {', '.join(SPEEDS)}, not {value!r}")
    return v


def _fast() -> bool:
    """Whether VOXINDEX_SPEED=fast asks for the speed settings' fast defaults (each stays overridable)."""
    return _speed_choice(_env("VOXINDEX_SPEED", None) or "accurate") == "fast"


def _hosts(value: str) -> tuple[str, ...]:
    return tuple(h.strip() for h in value.split(",") if h.strip())


def setting(env: str, default: str | Callable[[], str] | None = None, parse: Callable[[str], Any] = str, *,
            file: bool = True, **kw: Any) -> Any:
    """A `Settings` field read from the variable `env` (then voxindex.yaml unless file=False, then
    `default`, which may be computed), parsed by `parse`; an unset one without default is None.
    The variable's name is kept in the field's metadata so tests and docs can walk every setting."""

    def read() -> Any:
        raw = _env(env, None, file)
        if raw is None:
            raw = default() if callable(default) else default
        return None if raw is None else parse(raw)

    return field(default_factory=read, metadata={"env": env}, **kw)


def env_names() -> dict[str, str]:
    """Settings field -> the VOXINDEX_* variable it is read from."""
    return {f.name: f.metadata["env"] for f in fields(Settings) if "env" in f.metadata}


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
    """Every setting of VoxIndex; the README configuration table lists each one's variable
    (tests/test_config.py fails when the two disagree). Callers read these, never os.environ."""

    # Elasticsearch
    es_url: str = setting("VOXINDEX_ES_URL", "http://127.0.0.1:9200")
    es_api_key: str | None = setting("VOXINDEX_ES_API_KEY", repr=False)
    es_username: str | None = setting("VOXINDEX_ES_USERNAME")
    es_password: str | None = setting("VOXINDEX_ES_PASSWORD", repr=False)
    es_ca_certs: str | None = setting("VOXINDEX_ES_CA_CERTS")
    es_request_timeout: float = setting("VOXINDEX_ES_TIMEOUT", "60", float)
    index_prefix: str = setting("VOXINDEX_INDEX_PREFIX", "voxindex")
    home: Path = setting("VOXINDEX_HOME", _default_home, Path)
    es_version: str = setting("VOXINDEX_ES_VERSION", ES_VERSION)
    es_heap: str = setting("VOXINDEX_ES_HEAP", "1g")
    es_user: str = setting("VOXINDEX_ES_USER", "voxindex-es")
    es_java_home: str | None = setting("VOXINDEX_ES_JAVA_HOME")
    # the optional second node with x-pack security on (`voxindex es start --secure`)
    es_secure_heap: str = setting("VOXINDEX_ES_SECURE_HEAP", "512m")
    # the deployment file; read from the environment only (a file cannot name itself)
    config_file: str | None = setting("VOXINDEX_CONFIG", file=False)

    # search API and web view
    api_host: str = setting("VOXINDEX_API_HOST", "127.0.0.1")
    api_port: int = setting("VOXINDEX_API_PORT", "8000", int)
    # Host names the API and web view answer besides api_host and loopback (comma-separated): an
    # unknown Host is refused, so a DNS-rebinding page cannot reach a loopback server
    allowed_hosts: tuple[str, ...] = setting("VOXINDEX_ALLOWED_HOSTS", "", _hosts)
    # requests per second and burst per API key, and per client address (counted before the key is
    # looked up, so a bad-key flood costs no Elasticsearch lookups; None: the per-key values)
    api_rate: float = setting("VOXINDEX_API_RATE", "20", float)
    api_burst: float = setting("VOXINDEX_API_BURST", "40", float)
    api_address_rate: float | None = setting("VOXINDEX_API_ADDRESS_RATE", None, float)
    api_address_burst: float | None = setting("VOXINDEX_API_ADDRESS_BURST", None, float)
    api_max_body: int = setting("VOXINDEX_API_MAX_BODY", str(8 * 1024 * 1024), int)
    # signs search cursors; they stay valid across restarts only with a fixed secret (None: random)
    api_secret: str | None = setting("VOXINDEX_API_SECRET", repr=False)
    # signs web-view session cookies (None: random per process, sessions end with it)
    web_secret: str | None = setting("VOXINDEX_WEB_SECRET", repr=False)
    # keyless web view for a local demo: explicit opt-in, read-only, viewer role (never revenue)
    web_demo: bool = setting("VOXINDEX_WEB_DEMO", "", _on)
    query_cache_size: int = setting("VOXINDEX_QUERY_CACHE", "4096", int)
    # `voxindex mcp`: the API key every tool call is made with (its role and scopes apply to the assistant)
    mcp_api_key: str | None = setting("VOXINDEX_MCP_API_KEY", repr=False)

    # encoder and models
    torch_threads: int = setting("VOXINDEX_TORCH_THREADS", "1", int)
    # sentence encoder (indexer/encoder): fp32 | int8 (ONNX Runtime) | torch (the reference);
    # threads default to the core count; ONNX files are exported on first use into models_dir,
    # which keeps the home it was first given (tests that swap `home` share one export)
    # one switch for the two speed trade-offs below: `fast` makes int8 and the sentences path the
    # defaults (each can still be set on its own); `accurate` (default) keeps fp32 and the own pass
    speed: str = setting("VOXINDEX_SPEED", "accurate", _speed_choice)
    # fp32 by default: int8 (activations scaled per token, so batch-invariant) passes every quality
    # gate but saves the whole pipeline no CPU (README "Measured speed")
    encoder: str = setting("VOXINDEX_ENCODER", lambda: "int8" if _fast() else "fp32")
    encoder_threads: int = setting("VOXINDEX_ENCODER_THREADS", lambda: str(os.cpu_count() or 1), int)
    encoder_batch: int = setting("VOXINDEX_ENCODER_BATCH", "64", int)
    models_dir: Path = setting("VOXINDEX_MODELS_DIR", lambda: str(Path(_home()) / "models"), Path)
    # segmentation derives a message's vector from its sentence vectors instead of encoding the
    # message again (one encoder pass; 0: encode it again, as before; see README "Measured speed")
    segment_one_pass: bool = setting("VOXINDEX_SEGMENT_ONE_PASS", "1", _not_off)
    # the sentiment branch reads a long message from its sentences' pass (their layer-L states side
    # by side) instead of a prefix pass of its own: ~20 % more units/s, but 1.4-2.8 points less
    # accuracy on long messages (python -m indexer.evals.sentiment_paths), so opt-in
    sentiment_from_sentences: bool = setting("VOXINDEX_SENTIMENT_FROM_SENTENCES", lambda: "1" if _fast() else "0", _on)
    # the shared labeled corpora (`voxindex bench encoder`), next to the checkout by default
    corpora_dir: Path = setting("VOXINDEX_CORPORA", lambda: str(_repo_root().parent / "shared" / "corpora"), Path)

    # ingest
    bulk_chunk_size: int = setting("VOXINDEX_BULK_CHUNK", "500", int)
    bulk_max_retries: int = setting("VOXINDEX_BULK_RETRIES", "8", int)
    # records per batch (the cursor advances after each batch is indexed) and how long an
    # Elasticsearch outage is retried before the run stops (resumable from its cursor). Every batch
    # ends in a refresh and so a new segment whose HNSW graph later merges rebuild: whole demo
    # ingests took 215 s on average at 200, 191 s at 500 and 181 s at 1,000 (peak RSS +0.1 GB)
    ingest_batch_size: int = setting("VOXINDEX_INGEST_BATCH", "1000", int)
    ingest_outage_s: float = setting("VOXINDEX_INGEST_OUTAGE_S", "120", float)
    # records of one file kept as objects; past this they wait pickled in a temporary file
    # (indexer/spool.py: ~4.4 KB of memory per record against ~0.2 KB for its key)
    ingest_in_memory: int = setting("VOXINDEX_INGEST_IN_MEMORY", "20000", int)
    # enrich batch n+1 while batch n is bulk-written (0: strictly one after the other)
    ingest_overlap: bool = setting("VOXINDEX_INGEST_OVERLAP", "1", _not_off)
    # seconds between progress lines when ingest runs without a terminal (logs, CI)
    progress_s: float = setting("VOXINDEX_PROGRESS_S", "5", float)
    # time zone for timestamps written without one (IANA name or +HH:MM)
    timezone: str = setting("VOXINDEX_TIMEZONE", "UTC")
    # taxonomy used at ingest and by the API's filters (None: the checkout's taxonomy/taxonomy.yaml)
    taxonomy_path: str | None = setting("VOXINDEX_TAXONOMY")
    # dead letters keep at most this many characters of the (redacted) payload; the pointer replays the rest
    deadletter_max_chars: int = setting("VOXINDEX_DEADLETTER_MAX_CHARS", "16384", int)

    # detectors
    rules_dir: str | None = setting("VOXINDEX_RULES_DIR")
    # where alert links point: Kibana's Discover (data view None: the feedback alias) and Jira keys
    kibana_url: str = setting("VOXINDEX_KIBANA_URL", "http://127.0.0.1:5601")
    kibana_data_view: str | None = setting("VOXINDEX_KIBANA_DATA_VIEW")
    jira_url: str | None = setting("VOXINDEX_JIRA_URL")

    # the command line: log level (None: WARNING, INFO for `detectors run`), tracebacks instead of
    # one-line errors; environment only, so a broken voxindex.yaml is still reported clearly
    log_level: str | None = setting("VOXINDEX_LOG_LEVEL", file=False)
    debug: bool = setting("VOXINDEX_DEBUG", "", bool, file=False)
    # tests and synthetic benches keep their scratch indices (any non-empty value)
    keep_test_indices: bool = setting("VOXINDEX_KEEP_TEST_INDICES", "", bool, file=False)

    @property
    def indices(self) -> IndexNames:
        return IndexNames(self.index_prefix)

    @property
    def es_managed(self) -> bool:
        """True when VoxIndex runs the node itself (the local default), false for a real cluster."""
        return self.es_url.rstrip("/") in ("http://127.0.0.1:9200", "http://localhost:9200") and not (
            self.es_api_key or self.es_username
        )


def read_setting(name: str) -> Any:
    """One setting alone, without building the others (the CLI reads its log level and debug
    switch before a mistake in voxindex.yaml could stop `Settings()` from being built)."""
    factory = next(f for f in fields(Settings) if f.name == name).default_factory
    assert callable(factory), f"Settings.{name} is declared with setting(...)"
    return factory()


def get_settings(**overrides) -> Settings:
    settings = Settings()
    if overrides:
        from dataclasses import replace

        settings = replace(settings, **overrides)
    return settings
