"""Shared fixtures. Every test that touches Elasticsearch talks to the real node the project
starts itself (`voxindex es start`), under an index prefix unique to the test run, so runs
never see each other's data and the demo indices are never touched."""
from __future__ import annotations

import os
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from voxindex.config import get_settings

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
RUN_ID = uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def base_settings():
    return get_settings()


@pytest.fixture(scope="session")
def es(base_settings):
    """A client for the real Elasticsearch; starts the local node if it is not running."""
    from voxindex import esctl
    from voxindex.es import client, ping

    es = client(base_settings)
    if not ping(es):
        esctl.start(base_settings)
    return es


@pytest.fixture
def make_settings(es, base_settings, request):
    """Settings under a fresh prefix `vxt-<run>-<n>`, with all indices set up; dropped afterwards."""
    from voxindex.setup import drop_indices, setup_indices

    made = []

    def _make(**overrides):
        prefix = f"vxt-{RUN_ID}-{len(made)}-{uuid.uuid4().hex[:4]}"
        settings = replace(base_settings, index_prefix=prefix, **overrides)
        setup_indices(es, settings.indices)
        made.append(settings)
        return settings

    yield _make
    if not os.environ.get("VOXINDEX_KEEP_TEST_INDICES"):
        for settings in made:
            drop_indices(es, settings.indices)


@pytest.fixture
def settings(make_settings):
    return make_settings()


@pytest.fixture
def unset_prefix(es, base_settings, monkeypatch):
    """A fresh index prefix set in the environment (for CLI runs) and not set up: for tests that a
    refused run creates nothing. Whatever a failing run did create is dropped afterwards."""
    from voxindex.setup import drop_indices

    prefix = f"vxt-{RUN_ID}-unset-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("VOXINDEX_INDEX_PREFIX", prefix)
    yield prefix
    drop_indices(es, replace(base_settings, index_prefix=prefix).indices)
