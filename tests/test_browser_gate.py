"""Without Chromium the browser tests skip locally (with the install hint) but fail under CI: a
green CI run has driven the browser."""
from __future__ import annotations

import pytest
import test_web_browser as web


@pytest.fixture
def no_browser(monkeypatch):
    monkeypatch.setattr(web.shutil, "which", lambda name: None)
    monkeypatch.setattr(web.subprocess, "run", lambda *a, **k: None)  # the installer could not help


def _outcome() -> tuple[str, str]:
    """What the browser tests would do: ("fail" | "skip", why); caught here so a skip cannot pass as green."""
    try:
        web._browser_paths()
    except pytest.fail.Exception as exc:
        return "fail", str(exc)
    except pytest.skip.Exception as exc:
        return "skip", str(exc)
    return "run", ""


def test_missing_chromium_fails_under_ci(no_browser, monkeypatch):
    monkeypatch.setenv("CI", "true")
    kind, why = _outcome()
    assert kind == "fail" and "CI is set: chromium" in why


def test_missing_chromium_skips_locally_with_the_install_hint(no_browser, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    kind, why = _outcome()
    assert kind == "skip" and "install-browser.sh" in why
