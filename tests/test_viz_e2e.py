"""End to end: ``bposim viz`` serves the dashboard on 127.0.0.1 and headless Chromium (the
system's, driven by Playwright) moves a control, steps the model and sees the plots change;
the same inside JupyterLab (also on 127.0.0.1).

Every request of the page that does not go to 127.0.0.1 is blocked and recorded, and the
test fails if there is one: the dashboard's browser assets come from installed packages
(``solara-assets``), never from a CDN. Needs Debian's ``chromium`` at /usr/bin/chromium
(``.ci/run`` installs it); without it this test FAILS, it is never skipped. Set
``BPOSIM_SCREENSHOTS=DIR`` to keep the screenshots (the docs' are made so).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, bposim_exe

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
IMG = ".bposim-views img"
N_PLOTS = 5


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(cmd: list[str], url: str, log_path: Path, env=None):
    """Start a server on loopback, wait until ``url`` answers, yield, then stop it."""
    log = open(log_path, "w+")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert proc.poll() is None, f"server exited: {log_path.read_text()[-2000:]}"
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"{url} did not answer within 120 s"
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("viz") / "server.log"


@pytest.fixture(scope="module")
def dashboard_url(server_log):
    """``bposim viz`` on a free loopback port; stopped after the module.

    ``bposim viz`` becomes the Solara server (exec), so terminating it stops the server.
    """
    port = _free_port()
    yield from _serve(bposim_exe() + ["viz", "--port", str(port)],
                      f"http://127.0.0.1:{port}/", server_log)


@pytest.fixture(scope="module")
def jupyterlab_url(tmp_path_factory):
    """JupyterLab on a free loopback port (no token: loopback only, a throw-away server)
    serving a notebook whose one cell shows ``Notebook()``; stopped after the module."""
    import nbformat

    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from simulation.viz import Notebook\nNotebook()")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "dashboard.ipynb")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(root / "runtime"))
    port = _free_port()
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--IdentityProvider.token=",
           "--ServerApp.password=", f"--ServerApp.root_dir={root}",
           f"--LabApp.workspaces_dir={root / 'workspaces'}", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    yield from _serve(cmd, f"http://127.0.0.1:{port}/lab", root / "server.log", env=env)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM.is_file(), ("system Chromium missing at /usr/bin/chromium; install it "
                                "with: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _loopback_only(page) -> list[str]:
    """Block every request of ``page`` that does not go to 127.0.0.1 or localhost; returns
    the list the blocked URLs are appended to."""
    blocked: list[str] = []

    def route(r):
        if urllib.parse.urlsplit(r.request.url).hostname in ("127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()
    page.route("**/*", route)
    return blocked


def _srcs(page) -> list[str]:
    return page.locator(IMG).evaluate_all("els => els.map(e => e.src)")


def _press(page, button: str, wait_text: str, redrawn: bool = True) -> None:
    """Click a control button; wait until the text shows and (``redrawn``) every plot was
    redrawn."""
    before = _srcs(page) if redrawn else []
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function(
        """([text, before, sel, n]) => {
               const s = [...document.querySelectorAll(sel)].map(e => e.src);
               return document.body.innerText.includes(text) && s.length === n
                      && (before.length === 0 || s.every((x, i) => x !== before[i]));
           }""", arg=[wait_text, before, IMG, N_PLOTS], timeout=60_000)


def _plots(page) -> list[bytes]:
    """Pixels of the five plots (PNG screenshots of the <img> elements)."""
    imgs = page.locator(IMG)
    return [imgs.nth(i).screenshot() for i in range(N_PLOTS)]


def test_dashboard_in_chromium(dashboard_url, server_log, browser, tmp_path):
    shots = Path(os.environ.get("BPOSIM_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1150})
    errors, failed = [], []
    blocked = _loopback_only(page)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 else None)
    page.goto(dashboard_url, timeout=120_000)
    page.locator(IMG).nth(N_PLOTS - 1).wait_for(timeout=120_000)
    assert page.locator(IMG).count() == N_PLOTS
    page.get_by_text("Spin-up done").wait_for(timeout=60_000)

    # step two years with the default controls
    _press(page, "Step", "2000 Q4")
    _press(page, "Step", "2001 Q4")
    baseline = _plots(page)
    page.screenshot(path=str(shots / "dashboard.png"))
    # its numbers: time as year and quarter, values with units, downloads of what is shown
    body = page.inner_text("body")
    assert "Simulated to: 2001 Q4" in body and "Time:" not in body
    assert "x1.0 the data's hazard" in body and "2,000 simulated firms" in body
    with page.expect_download() as dl:
        page.get_by_role("button", name="CSV").first.click()
    csv = Path(dl.value.path()).read_text()
    assert dl.value.suggested_filename == "market_size_2001Q4.csv"
    assert csv.splitlines()[0] == "year,market_acv_usd_bn,tcv_signed_usd_bn"
    assert len(csv.splitlines()) == 1 + 8  # eight quarters shown
    with page.expect_download() as dl:
        page.get_by_role("button", name="PNG").nth(3).click()
    assert dl.value.suggested_filename == "events_2001Q4.png"
    assert Path(dl.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.locator(".bposim-control").filter(has_text="Breach hazard").hover()
    page.get_by_text("IBM/Ponemon", exact=False).first.wait_for(timeout=10_000)

    # Reset and the same two years again: the same pictures (same seed, same controls)
    _press(page, "Reset", "Spin-up done")
    _press(page, "Step", "2000 Q4")
    _press(page, "Step", "2001 Q4")
    assert _plots(page) == baseline

    # move a control: breach hazard to the end of its slider (x5), then Reset and step
    thumb = page.get_by_role("slider", name="Breach hazard")
    assert thumb.get_attribute("aria-valuenow") == "1"
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function("t => t.getAttribute('aria-valuenow') === '5'",
                           arg=thumb.element_handle(), timeout=10_000)
    _press(page, "Reset", "breach hazard x5.0")
    _press(page, "Step", "2000 Q4")
    _press(page, "Step", "2001 Q4")
    moved = _plots(page)
    page.screenshot(path=str(shots / "dashboard_breach_x5.png"))
    assert moved[3] != baseline[3], "breaches and back-sourcing plot did not change"
    assert sum(a != b for a, b in zip(moved, baseline)) >= 3
    assert "breach hazard x5.0" in page.inner_text("body")
    assert not errors, errors
    # every asset came from the server, which had every one installed
    assert not blocked, f"requests leaving 127.0.0.1: {blocked}"
    assert not failed, f"failed requests: {failed}"
    assert "Could not load URL" not in server_log.read_text()


def test_dashboard_in_jupyterlab(jupyterlab_url, browser, tmp_path):
    """The same dashboard inside JupyterLab (``Notebook()`` in a cell): move, reset, step."""
    page = browser.new_page(viewport={"width": 1500, "height": 1300})
    blocked = _loopback_only(page)
    page.goto(jupyterlab_url + "/tree/dashboard.ipynb?reset", timeout=120_000)
    page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first.wait_for(timeout=120_000)
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_text("Run All Cells", exact=True).click()
    try:
        page.locator(IMG).nth(N_PLOTS - 1).wait_for(timeout=120_000)
    except Exception:
        page.screenshot(path=str(tmp_path / "jupyterlab_failed.png"))
        raise
    page.get_by_text("Spin-up done").wait_for(timeout=60_000)
    _press(page, "Step", "2000 Q4")
    baseline = _plots(page)
    thumb = page.get_by_role("slider", name="Breach hazard")
    thumb.focus()
    page.keyboard.press("End")
    page.wait_for_function("t => t.getAttribute('aria-valuenow') === '5'",
                           arg=thumb.element_handle(), timeout=10_000)
    _press(page, "Reset", "breach hazard x5.0", redrawn=False)
    page.get_by_text("Spin-up done").wait_for(timeout=60_000)
    _press(page, "Step", "2000 Q4")
    moved = _plots(page)
    assert moved[3] != baseline[3] and sum(a != b for a, b in zip(moved, baseline)) >= 3
    assert not blocked, f"requests leaving 127.0.0.1: {blocked}"
    shots = os.environ.get("BPOSIM_SCREENSHOTS")
    if shots:
        news = page.get_by_role("button", name="No", exact=True)
        if news.count():  # JupyterLab's "get notified about news?" toast
            news.first.click()
            news.first.wait_for(state="hidden", timeout=10_000)
        page.screenshot(path=str(Path(shots) / "dashboard_jupyterlab.png"))
