"""Robustness: schemathesis generates requests from /openapi.json for every operation and the API
answers none of them with a 5xx. Bounded and deterministic (derandomized Hypothesis, no example
database), against the real Elasticsearch with the handmade corpus."""
from __future__ import annotations

import uuid
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings

from search_api.app import ApiOptions, create_app
from search_api.auth import KeyStore
from search_api.synthetic import build_units, index_units
from voxindex.setup import drop_indices, setup_indices

EXAMPLES = 25  # per operation


def _cheap_embed(texts):
    """Deterministic unit vectors: the fuzz run tests request handling, not relevance."""
    import hashlib

    out = []
    for t in texts:
        h = hashlib.sha256(t.encode()).digest()
        v = [((h[i % 32] + i) % 17 - 8) / 8.0 + 0.01 for i in range(384)]
        n = sum(x * x for x in v) ** 0.5
        out.append([x / n for x in v])
    return out


@pytest.fixture(scope="module")
def fuzz_app(es, base_settings):
    settings = replace(base_settings, index_prefix=f"vxt-sfuzz-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    index_units(es, settings.indices, build_units(_cheap_embed))
    token = KeyStore(es, settings.indices).create("fuzz-admin", "admin")[0]
    app = create_app(settings, es, embed=lambda q: _cheap_embed([q])[0], options=ApiOptions(rate_per_s=1e6, burst=1e6))
    yield app, token
    drop_indices(es, settings.indices)


def test_generated_requests_for_every_operation_get_no_server_error(fuzz_app):
    app, token = fuzz_app
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 12
    for op in operations:
        examples = 5 if op.path == "/v1/ingest" else EXAMPLES  # each ingest runs the enrichment pipeline

        @hsettings(max_examples=examples, derandomize=True, database=None, deadline=None,
                   suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
        @given(case=op.as_strategy())
        def check(case):
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query} {case.body!r:.200} -> "
                                f"{response.status_code} {response.text[:200]}")
            else:
                headers = {k.lower(): v for k, v in response.headers.items()}
                ctype = headers.get("content-type")
                ctype = ctype[0] if isinstance(ctype, list) else ctype
                assert ctype and ctype.startswith("application/json"), (case.formatted_path, response.status_code)

        check()
    assert not failures, "\n".join(failures[:10])
