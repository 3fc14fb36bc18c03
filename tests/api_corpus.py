"""The synthetic API corpus several API test modules share: indexed under a fresh prefix, with keys."""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import replace

from search_api.auth import KeyStore
from search_api.synthetic import build_units, index_units, minilm
from voxindex.setup import drop_indices, setup_indices


@contextmanager
def api_corpus(es, base_settings, tag: str, keys: dict[str, tuple[str, dict]]):
    """Yield (settings, units, tokens): `keys` maps a token name to (role, KeyStore.create options)."""
    settings = replace(base_settings, index_prefix=f"vxt-{tag}-{uuid.uuid4().hex[:6]}")
    setup_indices(es, settings.indices)
    try:
        units = build_units(minilm(settings))
        index_units(es, settings.indices, units)
        store = KeyStore(es, settings.indices)
        tokens = {name: store.create(f"t-{name}", role, **options)[0] for name, (role, options) in keys.items()}
        yield settings, units, tokens
    finally:
        drop_indices(es, settings.indices)
