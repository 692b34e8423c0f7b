"""The Airflow UI on the embedded default (`disclosure ui`), its REST API v2 and the quality view, in Chromium.

The integration test takes the session's pipeline run (`embedded_run`,
tests/conftest.py), starts `disclosure ui` on a free port over the same home,
and then:

* REST API v2: a token from `/auth/token`; both DAGs listed; the finished
  runs of `disclosure run` listed with state success, with one mapped parse
  task for the batch of five samples and its task log naming each document; a trigger with
  invalid params refused (400), one with a backfill (静乐县, 2020) run by the
  scheduler to success, its log saying which documents were left out;
* headless Chromium (Debian's `chromium`, through Playwright's Python
  package): log in through the simple auth manager's form, open the quality
  view from Airflow's navigation, find the 静乐县 2020 `app.results_sum`
  failure, follow its GX and dbt docs links, and save screenshots to
  `test-artifacts/` (ignored by git); then, with every request not to
  127.0.0.1 aborted, open the quality view, the GX data docs index, that
  failure's GX validation page and its dbt docs page: any failed request,
  error response or console error fails the test.

On CI (`CI=true`) a missing browser fails the test; elsewhere it skips.
The light tests at the end need no server.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from pipeline.settings import ELSEWHERE_VARIABLES
from tests.conftest import REPO_ROOT, EmbeddedRun, service_missing

ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
READY_SECONDS = 180
RUN_SECONDS = 150


def _chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium and Playwright's Python package (never `playwright install`)."""
    path = _chromium_path()
    if path is None:
        service_missing("Chromium is not installed (scripts/system-deps.sh installs Debian's chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        service_missing("the playwright Python package is not installed")
    return path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Ui:
    process: subprocess.Popen
    output_path: Path
    url: str
    password: str = ""
    children: list[int] = field(default_factory=list)

    def output(self) -> str:
        return self.output_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def ui(chromium: str, embedded_run: EmbeddedRun) -> Iterator[Ui]:
    """`disclosure ui --port <free>` over the shared pipeline home; stopped (process groups) afterwards."""
    assert embedded_run.exit_code == 0, embedded_run.output[-3000:]
    settings = embedded_run.settings
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k not in ELSEWHERE_VARIABLES}
    env.update(
        {
            "DISCLOSURE_HOME": str(settings.home),
            "DISCLOSURE_INPUT_DIR": str(settings.input_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    ARTIFACTS.mkdir(exist_ok=True)
    output_path = ARTIFACTS / "ui-server-output.txt"
    with output_path.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "extractors", "ui", "--port", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Ui(process, output_path, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:
            text = server.output()
            server.children = [int(p) for p in re.findall(r"started \S+ \(pid (\d+)\)", text)]
            if match := re.search(r"login\s+user 'admin', password '([^']+)'", text):
                server.password = match[1]
                break
            if process.poll() is not None:
                pytest.fail(f"disclosure ui exited ({process.returncode}):\n{text[-4000:]}")
            time.sleep(0.5)
        else:
            pytest.fail(f"disclosure ui not ready after {READY_SECONDS} s:\n{server.output()[-4000:]}")
        yield server
    finally:
        _stop(server)


def _stop(server: Ui) -> None:
    """Ctrl-C as a user would; then make sure no process group of the server is left."""
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGINT)
        try:
            server.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
    for pid in server.children:  # each Airflow component leads its own process group
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue


class Api:
    """The REST API v2 with a token from the simple auth manager."""

    def __init__(self, url: str, username: str, password: str) -> None:
        import httpx

        self.client = httpx.Client(base_url=url, timeout=30)
        response = self.client.post("/auth/token", json={"username": username, "password": password})
        assert response.status_code == 201, response.text
        self.token = response.json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str, **params: object) -> dict:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text[:500]}"
        return response.json()

    def log_text(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1, attempt: int = 1) -> str:
        path = f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances/{task_id}/logs/{attempt}"
        content = self.get(path, map_index=map_index, full_content="true")["content"]
        return "\n".join(e.get("event", "") if isinstance(e, dict) else str(e) for e in content)


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_ui_rest_api_and_quality_view_in_chromium(ui: Ui, embedded_run: EmbeddedRun, chromium: str) -> None:
    started = time.monotonic()
    settings = embedded_run.settings
    output = ui.output()
    passwords = json.loads((settings.home / "airflow" / "simple_auth_manager_passwords.json.generated").read_text())
    assert ui.password == passwords["admin"], output  # the printed login is the generated one
    assert f"{ui.url}/disclosure/quality" in output

    api = Api(ui.url, "admin", ui.password)
    # the DAGs, and the finished runs `disclosure run` made, with their mapped tasks and logs
    dags = {d["dag_id"]: d for d in api.get("/api/v2/dags", dag_id_pattern="disclosure")["dags"]}
    assert {"disclosure_ingest", "disclosure_transform"} <= set(dags)
    for dag_id in ("disclosure_ingest", "disclosure_transform"):
        runs = api.get(f"/api/v2/dags/{dag_id}/dagRuns", state="success")["dag_runs"]
        assert runs, f"no successful {dag_id} run listed"
    run_id = api.get("/api/v2/dags/disclosure_ingest/dagRuns", state="success", order_by="run_after")["dag_runs"][0][
        "dag_run_id"
    ]
    tis = api.get(f"/api/v2/dags/disclosure_ingest/dagRuns/{quote(run_id, safe='')}/taskInstances")["task_instances"]
    parse_tis = {t["map_index"]: t for t in tis if t["task_id"] == "parse"}
    # The five samples make one batch, named after its first file; its log names every document.
    assert [t["state"] for t in parse_tis.values()] == ["success"] and parse_tis[0]["duration"] is not None
    assert parse_tis[0]["rendered_map_index"].startswith("000_") and parse_tis[0]["rendered_map_index"].endswith(" +4")
    log_text = api.log_text("disclosure_ingest", run_id, "parse", map_index=0)
    assert all(f"00{i}_" in log_text for i in range(5)), "the task log does not name every document"

    # every component of the home page's health badges is up, the triggerer included
    health = api.get("/api/v2/monitor/health")
    assert {name: part["status"] for name, part in health.items()} == dict.fromkeys(health, "healthy"), health
    assert "triggerer" in health

    # the quality plugin is registered, with its view in the navigation
    plugins = api.get("/api/v2/plugins")["plugins"]
    quality = next(p for p in plugins if p["name"] == "disclosure_quality")
    assert quality["fastapi_apps"][0]["url_prefix"] == "/disclosure"
    assert quality["external_views"][0]["url_route"] == "disclosure-quality"

    # params are validated, and a backfill of one agency and year runs under the scheduler
    bad = api.client.post("/api/v2/dags/disclosure_ingest/dagRuns", json={"logical_date": None, "conf": {"year": 1900}})
    assert bad.status_code == 400 and "minimum" in bad.text, bad.text
    triggered = api.client.post(
        "/api/v2/dags/disclosure_ingest/dagRuns",
        json={"logical_date": None, "conf": {"agency": "静乐县", "year": 2020}},
    )
    assert triggered.status_code == 200, triggered.text
    backfill_run = triggered.json()["dag_run_id"]
    unpaused = api.client.patch("/api/v2/dags/disclosure_ingest", json={"is_paused": False})
    assert unpaused.status_code == 200, unpaused.text

    # meanwhile, the browser
    _browse(ui, chromium, settings.home)

    deadline = time.monotonic() + RUN_SECONDS
    state = ""
    while time.monotonic() < deadline:
        state = api.get(f"/api/v2/dags/disclosure_ingest/dagRuns/{quote(backfill_run, safe='')}")["state"]
        if state in ("success", "failed"):
            break
        time.sleep(2)
    assert state == "success", f"backfill run {backfill_run}: {state}; server output {ui.output_path}"
    summary = api.log_text("disclosure_ingest", backfill_run, "summarize")
    assert "agency contains '静乐县', year 2020: 4 documents left out" in summary, summary[-2000:]
    print(f"\nUI test: {time.monotonic() - started:.0f} s after the pipeline run; artifacts in {ARTIFACTS}")


def _browse(ui: Ui, chromium: str, home: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-US")
            page.set_default_timeout(30_000)
            # the quality view needs a login like the rest of the UI
            assert page.goto(f"{ui.url}/disclosure/quality").status == 401
            page.goto(f"{ui.url}/")
            page.wait_for_url(re.compile(r"/auth/login"))
            page.locator("input[name=username]").fill("admin")
            page.locator("input[name=password]").fill(ui.password)
            page.locator("button[type=submit]").click()
            page.wait_for_url(lambda url: "/auth/login" not in url)

            # Airflow's navigation has the view; it shows /disclosure/quality in a frame
            page.locator('a[href$="/plugin/disclosure-quality"]').first.click()
            page.wait_for_url(re.compile(r"/plugin/disclosure-quality"))
            frame = page.frame_locator('iframe[src*="/disclosure/quality"]')
            row = frame.locator('tr.failure[data-check="app.results_sum"][data-agency="静乐县"][data-year="2020"]')
            expect(row.first).to_be_visible(timeout=30_000)  # the frame's first request builds the plugin's app
            cells = row.first.locator("td").all_inner_texts()
            assert cells[:2] == ["静乐县", "2020"] and cells[2].startswith("app.results_sum"), cells
            assert cells[3] in ("natural_person", "total") and cells[4:6] == ["5", "0"], cells
            # errors to act on lead: the two sample reports with errors, no publication warning among them
            leading = frame.locator("#errors + table tr.failure")
            agencies = {leading.nth(i).get_attribute("data-agency") for i in range(leading.count())}
            assert agencies == {"静乐县", "盐池县人民政府办公室"}, agencies
            assert {leading.nth(i).get_attribute("data-severity") for i in range(leading.count())} == {"error"}
            expect(frame.locator('tr.failure[data-check="report.on_time"]').first).to_be_hidden()
            expect(frame.locator("#chart-checks svg rect").first).to_be_visible()
            row.first.scroll_into_view_if_needed()
            shot = ARTIFACTS / "ui-quality-view.png"
            page.screenshot(path=str(shot))
            print(f"\nscreenshot: {shot}")

            # the links of that failure work (same login, served by the plugin or the Airflow UI)
            links = row.first.locator("a")
            hrefs = {
                links.nth(i).get_attribute("class"): links.nth(i).get_attribute("href") for i in range(links.count())
            }
            assert {"document", "runbook", "task-log", "gx", "dbt"} <= set(hrefs), hrefs
            assert "/disclosure/docs/gx/validations/identities/applications/" in hrefs["gx"], hrefs
            assert hrefs["dbt"].endswith("#!/model/model.disclosure.fct_applications"), hrefs
            assert hrefs["runbook"] == "/disclosure/runbook#appresults_sum", hrefs
            assert hrefs["task-log"].startswith("/dags/disclosure_transform/runs/"), hrefs
            for href in hrefs.values():
                response = page.request.get(f"{ui.url}{href.split('#')[0]}")
                assert response.status == 200, f"{href}: {response.status}"
            page.goto(f"{ui.url}{hrefs['runbook']}")
            expect(page.locator("#appresults_sum")).to_be_visible()

            # the view and the docs on their own, offline: nothing but 127.0.0.1 is reachable, and nothing fails
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("console", lambda message: failed.append(message.text) if message.type == "error" else None)
            page.route(
                re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"),
                lambda route: route.abort(),
            )
            page.goto(f"{ui.url}/disclosure/quality")
            expect(page.locator('[data-number="errors"]')).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-quality-view-offline.png"), full_page=True)
            # GX's pages with their vendored scripts, styles and icon font (expectations/offline_docs.py)
            page.goto(f"{ui.url}/disclosure/docs/gx/index.html")
            expect(page.locator(".bootstrap-table").first).to_be_visible()  # bootstrap-table ran on jQuery
            page.goto(f"{ui.url}{hrefs['gx']}")
            expect(page.locator(".bootstrap-table").first).to_be_visible()
            page.wait_for_function(
                "[...document.fonts].some(f => f.family.includes('Font Awesome') && f.status === 'loaded')"
            )
            assert page.evaluate("typeof vegaEmbed === 'function' && typeof jQuery.fn.tooltip === 'function'")
            page.screenshot(path=str(ARTIFACTS / "ui-gx-validation-offline.png"))
            page.goto(f"{ui.url}{hrefs['dbt']}")
            expect(page.get_by_text("fct_applications").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-dbt-docs-offline.png"))
            assert not failed, failed
            page.unroute(re.compile(r"^(?!https?://127\.0\.0\.1[:/]).*"))

            # the whole view on its own, and the ingest DAG's runs (mapped tasks per document)
            page.goto(f"{ui.url}/disclosure/quality?agency=静乐县&lang=zh")
            page.screenshot(path=str(ARTIFACTS / "ui-quality-view-zh.png"), full_page=True)
            page.goto(f"{ui.url}/dags/disclosure_ingest")
            expect(page.get_by_text("disclosure_ingest").first).to_be_visible()
            page.screenshot(path=str(ARTIFACTS / "ui-ingest-dag.png"))
        finally:
            browser.close()


# ---------------------------------------------------------------- light tests, no server


def test_plugin_imports_light_and_without_a_warehouse(tmp_path: Path) -> None:
    """The plugin must not slow down or break DAG parsing: no heavy import, the app built lazily."""
    probe = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); import airflow.plugins_manager; t = time.perf_counter();"
        "import disclosure_quality as m; d = time.perf_counter() - t;"
        "heavy = sorted({n.split('.')[0] for n in sys.modules} & {'duckdb', 'pandas', 'extractors'});"
        "print(d, heavy, m.DisclosureQualityPlugin.fastapi_apps[0]['url_prefix'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, str(REPO_ROOT / "plugins")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "AIRFLOW_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seconds, heavy, prefix = result.stdout.strip().splitlines()[-1].split(" ", 2)
    assert heavy.startswith("[]") and prefix.endswith("/disclosure"), result.stdout
    assert float(seconds) < 1.0


def test_quality_view_without_a_warehouse(tmp_settings) -> None:
    from pipeline import quality_view

    with pytest.raises(quality_view.NoWarehouse):
        quality_view.load(tmp_settings)
    page = quality_view.render_no_warehouse("no published warehouse")
    assert "No warehouse yet: run <code>./dev run</code>" in page


def test_quality_view_links() -> None:
    from pipeline.quality_view import dbt_model_for

    assert dbt_model_for("app.results_sum", "total") == "fct_applications"
    assert dbt_model_for("appeal.sum", "admin_review") == "fct_appeals"
    assert dbt_model_for("template.complete", "proactive") == "fct_disclosures"
    assert dbt_model_for("narrative.proactive", "proactive_published_total") == "fct_disclosures"
    assert dbt_model_for("values.valid", "appeals:admin_review:total") == "fct_appeals"
    assert dbt_model_for("report.on_time", "due:2022-03-31") == "fct_publication"


def test_backfill_filter() -> None:
    from pipeline.backfill import Backfill

    everything = Backfill.from_params({"agency": None, "year": None})
    assert not everything.active and everything.matches(None, None)
    one = Backfill.from_params({"agency": " 静乐县 ", "year": 2020})
    assert one.matches("静乐县", 2020) and one.matches("静乐县人民政府", 2020)
    assert not one.matches("静乐县", 2021) and not one.matches("华池县", 2020) and not one.matches(None, 2020)
    assert Backfill.from_params({"year": 2021}).matches("华池县", 2021)
    with pytest.raises(ValueError):
        Backfill.from_params({"year": 1900})


def test_task_log_splitter(tmp_path: Path) -> None:
    from pipeline.task_logs import TaskLogSplitter

    run = "manual__2026-01-01T00:00:00+00:00"
    lines = [
        "2026-01-01T00:00:01.000000Z [info     ] [DAG TEST] starting task_id=parse map_index=2 [airflow.sdk] loc=x",
        f"2026-01-01T00:00:01.100000Z [info     ] [DAG TEST] running task <TaskInstance: disclosure_ingest.parse "
        f"{run} map_index=2 [TaskInstanceState.SCHEDULED] ti_id=1> [airflow.sdk]",
        "2026-01-01T00:00:01.200000Z [info     ] 002_x.txt: parsed, 10 cells [pipeline.parse_step] loc=y",
        "2026-01-01T00:00:01.300000Z [info     ] [DAG TEST] end task task_id=parse map_index=2 [airflow.sdk]",
        "unrelated line",
    ]
    splitter = TaskLogSplitter(tmp_path)
    for line in lines:
        splitter.feed(line + "\n")
    splitter.close()
    path = tmp_path / "dag_id=disclosure_ingest" / f"run_id={run}" / "task_id=parse" / "map_index=2" / "attempt=1.log"
    assert splitter.written == [path]
    records = [json.loads(x) for x in path.read_text().splitlines()]
    assert len(records) == 4
    assert records[2] == {
        "timestamp": "2026-01-01T00:00:01.200000Z",
        "level": "info",
        "event": "002_x.txt: parsed, 10 cells loc=y",
        "logger": "pipeline.parse_step",
    }


def test_plugin_routes_answer_without_a_warehouse(tmp_settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every query and header parameter of the quality route resolves (a bad annotation would answer 422)."""
    from fastapi.testclient import TestClient

    monkeypatch.syspath_prepend(str(REPO_ROOT / "plugins"))
    import disclosure_quality

    async def logged_in(request: object) -> None:
        return None

    monkeypatch.setattr(disclosure_quality, "_authenticate", logged_in)
    client = TestClient(disclosure_quality.create_app())
    page = client.get("/quality", params={"status": "new", "lang": "zh"}, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "No warehouse yet" in page.text, page.text[:500]
    runbook = client.get("/runbook")
    assert runbook.status_code == 200 and 'id="appresults_sum"' in runbook.text
    assert client.get("/document/0123456789abcdef").status_code == 404
