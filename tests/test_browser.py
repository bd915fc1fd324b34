"""The HTML report in a real headless Chromium: search, navigation, graph, no console errors.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and the
``selenium`` test extra; skipped with the reason when they are missing.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest
from click.testing import CliRunner

from vaultgraph.cli import cli

from .conftest import NOTES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1000",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _report(vault, path) -> str:
    result = CliRunner().invoke(cli, ["--vault", str(vault), "report", "backlinks", "--format",
                                      "html", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path.resolve().as_uri()


def _wait(condition, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the page")


def _severe(driver):
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


@pytest.mark.skipif(not NOTES.is_dir(), reason="sample vault missing")
def test_report_search_navigation_and_graph(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(_report(NOTES, tmp_path / "report.html"))
    canvas = browser.find_element(By.ID, "graph")
    total = len(browser.find_elements(By.CSS_SELECTOR, "#note-list li"))
    assert total >= 40
    assert int(_wait(lambda: canvas.get_attribute("data-drawn-nodes"))) == total
    assert int(canvas.get_attribute("data-drawn-edges")) > total

    search = browser.find_element(By.ID, "search")
    search.send_keys("ketamine")
    shown = [li for li in browser.find_elements(By.CSS_SELECTOR, "#note-list li") if li.is_displayed()]
    assert 0 < len(shown) < total
    assert all("ketamine" in li.get_attribute("data-search") for li in shown)
    search.send_keys(Keys.ENTER)
    first = shown[0].find_element(By.TAG_NAME, "a").get_attribute("href").split("#")[1]
    _wait(lambda: browser.execute_script("return location.hash") == "#" + first)

    # Follow a backlink from the opened note: the page and the graph move to its source.
    article = browser.find_element(By.ID, first)
    backlink = article.find_element(By.CSS_SELECTOR, "a.backlink")
    source_anchor = backlink.get_attribute("href").split("#")[1]
    backlink.click()
    _wait(lambda: browser.execute_script("return location.hash") == "#" + source_anchor)
    target = browser.find_element(By.ID, source_anchor)
    assert target.is_displayed()
    title = browser.find_element(By.ID, "graph-title").text
    assert title.startswith("Around ") and target.find_element(By.TAG_NAME, "h2").text in title
    drawn = int(canvas.get_attribute("data-drawn-nodes"))
    assert 1 < drawn < total

    browser.find_element(By.ID, "graph-all").click()
    _wait(lambda: int(canvas.get_attribute("data-drawn-nodes")) == total)
    assert _severe(browser) == []
    shot = tmp_path / "report.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("VAULTGRAPH_SCREENSHOTS"):
        shutil.copy(shot, os.environ["VAULTGRAPH_SCREENSHOTS"])
    print(f"screenshot: {shot}")


def test_hostile_names_are_shown_as_text(browser, make_vault, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    root = make_vault({
        "<img src=x onerror=alert(1)>.md": "<script>alert(2)</script> [[Target]]\n",
        "Target.md": "# T\n[[</script><script>alert(3)</script>]]\n",
    })
    browser.get(_report(root, tmp_path / "hostile.html"))
    canvas = browser.find_element(By.ID, "graph")
    _wait(lambda: canvas.get_attribute("data-drawn-nodes"))
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert.text
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "<img src=x onerror=alert(1)>" in body
    assert "</script><script>alert(3)</script>" in body
    assert _severe(browser) == []
