"""The /ui web view end to end in real headless Chromium, served by a real WSGI server (waitress) on
a free 127.0.0.1 port, over demo-like data: sign in with an API key, pages load, a search returns
results, a facet narrows them, a unit shows its citation, and an alert can be assigned from the queue."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from dashdata import demo_settings

REPO = Path(__file__).resolve().parent.parent
SHOTS = REPO / ".voxindex" / "screenshots"
CHROME_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000")

pytestmark = pytest.mark.browser


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        # scripts/install-browser.sh is a no-op when both are present; it needs root + apt otherwise
        subprocess.run([str(REPO / "scripts" / "install-browser.sh")], check=False, timeout=600)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        driver = shutil.which("chromedriver")
    if not (chromium and driver):
        why = ("chromium + chromedriver not installed and scripts/install-browser.sh could not install them "
               "(needs root and Debian's apt); install them to run the browser tests")
        if os.environ.get("CI"):  # a green CI run must have driven the browser, not skipped it
            pytest.fail(f"CI is set: {why}")
        pytest.skip(why)
    return chromium, driver


def click_and_load(drv, element, timeout: float = 60) -> None:
    """Click a link or submit button and wait for the next page: a click returns before the
    navigation it starts has replaced the page, so reading right after it can see the old one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    old = drv.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(drv, timeout).until(EC.staleness_of(old))
    WebDriverWait(drv, timeout).until(lambda d: d.execute_script("return document.readyState") == "complete")


@pytest.fixture(scope="module")
def demo(es, base_settings):
    from voxindex.setup import setup_indices

    settings, finalize = demo_settings(es, base_settings, "web")
    setup_indices(es, settings.indices, kinds=("apikeys",))
    yield settings
    finalize()


@pytest.fixture(scope="module")
def admin_key(es, demo):
    from search_api.auth import KeyStore

    return KeyStore(es, demo.indices).create("web-admin", "admin")[0]


@pytest.fixture(scope="module")
def server(es, demo):
    from waitress import create_server

    from search_api.app import create_app

    app = create_app(demo, es)
    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.close()


@pytest.fixture(scope="module")
def browser(server, admin_key):
    chromium, driver_path = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="vx-chrome-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    drv.set_page_load_timeout(60)
    SHOTS.mkdir(parents=True, exist_ok=True)
    from selenium.webdriver.common.by import By

    # sign in as the API does: with a key
    drv.get(f"{server}/ui/")
    assert "/ui/login" in drv.current_url
    drv.find_element(By.NAME, "api_key").send_keys(admin_key)
    drv.find_element(By.CSS_SELECTOR, "form button").click()
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:  # a click does not wait for the redirect's page to load
        WebDriverWait(drv, 60).until(lambda d: "Overview" in d.title)
    except TimeoutException:
        drv.save_screenshot(str(SHOTS / "sign-in-failed.png"))
        raise AssertionError(f"signing in did not reach the overview: {drv.title!r} at {drv.current_url}") from None
    yield drv
    drv.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _count(browser) -> int:
    from selenium.webdriver.common.by import By

    return int(browser.find_element(By.ID, "result-count").get_attribute("data-total"))


def test_overview_shows_real_numbers_and_a_trend_chart(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/ui/")
    assert "Overview" in browser.title
    assert int(browser.find_element(By.ID, "kpi-units").text) > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")) >= 28
    assert "reliability" in browser.page_source
    browser.save_screenshot(str(SHOTS / "overview.png"))


def test_search_returns_results_and_a_facet_narrows_them(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/ui/search")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("sync")
    click_and_load(browser, browser.find_element(By.ID, "search-go"))  # pressing Enter did not wait for the page
    browser.find_element(By.ID, "result-count")
    everything = _count(browser)
    assert everything > 0 and browser.find_elements(By.CSS_SELECTOR, "article.hit mark")
    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, 'a.facet[data-facet="app_version"][data-value="4.8.2"]'))
    narrowed = _count(browser)
    assert 0 < narrowed < everything
    assert "app_version=4.8.2" in browser.current_url and "q=sync" in browser.current_url
    assert all("v4.8.2" in el.text for el in browser.find_elements(By.CSS_SELECTOR, "article.hit .meta"))
    browser.save_screenshot(str(SHOTS / "search.png"))
    # the first hit opens its unit page, with a citation naming source, record and account
    click_and_load(browser, browser.find_element(By.CSS_SELECTOR, "article.hit a.unit-link"))
    citation = browser.find_element(By.ID, "citation").text
    assert "record rec-" in citation and "[unit " in citation
    browser.save_screenshot(str(SHOTS / "unit.png"))


def test_theme_page_has_a_trend_chart_linked_to_each_day(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/ui/theme/reliability")
    bars = browser.find_elements(By.CSS_SELECTOR, "#theme-chart svg a")
    assert len(bars) >= 30
    assert "sync-failure" in browser.page_source
    browser.save_screenshot(str(SHOTS / "theme.png"))


def test_an_alert_can_be_assigned_from_the_queue(browser, server, es, demo):
    from selenium.webdriver.common.by import By

    from detectors.lifecycle import get_alert

    browser.get(f"{server}/ui/alerts")
    row = browser.find_element(By.ID, "alert-al-open-sync")
    assert row.get_attribute("data-state") == "open"
    form = row.find_element(By.CSS_SELECTOR, "form.assign")
    form.find_element(By.NAME, "assignee").send_keys("dana")
    click_and_load(browser, form.find_element(By.TAG_NAME, "button"))
    flash = browser.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert "assigned to dana" in flash
    row = browser.find_element(By.ID, "alert-al-open-sync")
    assert row.get_attribute("data-state") == "assigned"
    assert row.find_element(By.CSS_SELECTOR, ".assignee").text == "dana"
    browser.save_screenshot(str(SHOTS / "alerts.png"))
    stored = get_alert(es, demo.indices, "al-open-sync")
    assert stored["state"] == "assigned" and stored["assignee"] == "dana" and "assigned" in stored["stages"]
    assert stored["history"][-1]["actor"] == "web-admin"


@pytest.mark.browser
def test_web_view_asks_for_a_key_and_the_keyless_demo_is_an_opt_in_viewer(es, demo, admin_key):
    from dataclasses import replace

    from dashboards.ui import create_web_app

    local, remote = {"REMOTE_ADDR": "127.0.0.1"}, {"REMOTE_ADDR": "10.1.2.3"}
    client = create_web_app(demo, es).test_client()
    first = client.get("/ui/alerts", environ_base=local)
    assert first.status_code == 302 and "/ui/login" in first.headers["Location"]
    # a POST without the session's CSRF token is refused
    assert client.post("/ui/alerts/al-ack-crash/transition", data={"action": "ack"}, environ_base=local).status_code == 400
    page = client.get("/ui/login", environ_base=remote).get_data(as_text=True)
    token = page.split('name="csrf" value="')[1].split('"')[0]
    bad = client.post("/ui/login", data={"csrf": token, "api_key": "nope"}, environ_base=remote)
    assert bad.status_code == 401
    ok = client.post("/ui/login?next=/ui/alerts", data={"csrf": token, "api_key": admin_key}, environ_base=remote)
    assert ok.status_code == 302 and ok.headers["Location"].endswith("/ui/alerts")
    assert "al-ack-crash" in client.get("/ui/alerts", environ_base=remote).get_data(as_text=True)

    # VOXINDEX_WEB_DEMO=1: keyless, loopback only, a read-only viewer that never sees revenue
    demo_client = create_web_app(replace(demo, web_demo=True), es).test_client()
    overview = demo_client.get("/ui/", environ_base=local)
    assert overview.status_code == 200 and "$" not in overview.get_data(as_text=True)
    assert demo_client.get("/ui/", environ_base=remote).status_code == 302
    page = demo_client.get("/ui/alerts", environ_base=local).get_data(as_text=True)
    assert "admin only" in page
