"""Server mode, natively: Airflow 3 on Celery + Postgres + Redis, the Postgres warehouse, S3 landing.

The CI machine has no Docker engine, so the topology of docker-compose.yml is
run here from the project's virtualenv (tests/server_mode.py):

* `test_celery_server_mode_end_to_end`: api-server, scheduler, dag-processor
  and a Celery worker on a fresh metadata database; `disclosure_ingest` is
  triggered over the five samples through the REST API v2 three times in a
  row on the same services, and the marts and the read-only BI role are
  checked on a fresh Postgres warehouse after each run. Its marts then agree
  row for row with the DuckDB marts of the session's embedded run over the
  same samples (`embedded_run`, tests/conftest.py), and the alerts, the run
  summary and a NOLOGIN BI role work on that Postgres warehouse.
* `test_s3_landing_parse_and_load`: landing zone and parse results on an S3
  server (moto in server mode), parse + load into the warehouse.

On CI (CI=true) a missing Postgres or Redis fails these tests; elsewhere they skip.
"""

from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path

import pytest

from pipeline.settings import Settings
from tests.conftest import EmbeddedRun
from tests.paths import SAMPLES as SAMPLES_DIR
from tests.sample_failures import SAMPLE_FAILURES
from tests.server_mode import (
    PG_USER,
    Server,
    celery_server,
    drop_role,
    free_port,
    fresh_database,  # noqa: F401  (tests/dbt_project/test_incremental.py imports it)
    query,
)
from warehouse.bi_role import grant_bi_access

pytestmark = pytest.mark.integration

SAMPLES = sorted(SAMPLES_DIR.glob("*.txt"))
INGEST, TRANSFORM = "disclosure_ingest", "disclosure_transform"

FAILED_CHECKS_SQL = """
    select d.agency_name, d.report_year, c.check_id, c.subject
    from marts.fct_check_results c join marts.dim_report d using (report_id)
    where c.status = 'failed'
"""
# Each check result once, with the transform runs that first and last found it.
CHECK_RUNS_SQL = """
    select report_id, check_id, subject, first_seen_run, last_seen_run
    from raw.check_results order by report_id, check_id, subject, first_seen_run
"""
COMPARED = {  # mart -> key columns + value columns, in order
    "fct_applications": ("report_id", "row_code", "applicant", "value"),
    "fct_appeals": ("report_id", "proceeding", "outcome", "value"),
    "fct_disclosures": ("report_id", "article_item", "category", "measure", "value"),
    "fct_check_results": ("report_id", "check_id", "subject", "expected", "observed", "severity", "status"),
    "dim_report": ("report_id", "agency_id", "agency_name", "report_year", "template", "sha256", "quality_status"),
}


def failed_checks(dsn: str) -> set[tuple]:
    return {(a, int(y) if y is not None else None, c, s) for a, y, c, s in query(dsn, FAILED_CHECKS_SQL)}


def assert_bi_role_reads_marts_only(dsn: str, role: str) -> None:
    """The BI role logs in, reads every mart, and can neither write nor create nor read raw."""
    import psycopg2

    bi_dsn = dsn.replace(f"//{PG_USER}@", f"//{role}@", 1)
    conn = psycopg2.connect(bi_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for table in (
                "dim_report",
                "dim_agency",
                "fct_applications",
                "fct_appeals",
                "fct_disclosures",
                "fct_check_results",
                "agg_agency_year",
            ):
                cursor.execute(f"select count(*) from marts.{table}")
                assert cursor.fetchone()[0] >= 0
            forbidden = [
                "insert into marts.dim_report (report_id) values ('x')",
                "delete from marts.fct_applications",
                "create table marts.bi_scratch (x int)",
                "create table public.bi_scratch (x int)",
                "create schema bi_scratch",
                "select count(*) from raw.cells",
                "drop table marts.dim_report",
            ]
            for statement in forbidden:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
    finally:
        conn.close()


# ---------------------------------------------------------------- Celery end to end


def _ingest(server: Server, name: str, logical_date: str | None = None) -> str | None:
    """Trigger an ingest run and wait for its success, then for the transform it announces.

    Returns the transform's run id, or None when the ingest announced nothing
    (its `announce` skipped: no Asset event, so no transform can follow).
    """
    api = server.api
    transforms = frozenset(api.run_ids(TRANSFORM))
    run_id = f"{name.replace(' ', '_')}_{uuid.uuid4().hex[:6]}"
    api.trigger(INGEST, run_id, logical_date)
    for dag_id in (TRANSFORM, INGEST):  # the first time only: later unpauses change nothing
        api.unpause(dag_id)
    api.wait_for_run(INGEST, timeout=360, run_id=run_id)
    server.mark(f"{name}: ingest")
    if api.task_states(INGEST, run_id)["announce[-1]"] == "skipped":
        assert api.run_ids(TRANSFORM) == transforms
        return None
    transform = api.wait_for_run(TRANSFORM, timeout=360, known=transforms)
    assert transform["run_type"] == "asset_triggered", transform
    server.mark(f"{name}: transform")
    return transform["dag_run_id"]


def _assert_warehouse(dsn: str) -> dict[str, list[tuple]]:
    """The five samples loaded once from S3 and their known failures in the marts; returns the marts' rows."""
    documents = query(dsn, "select status, landing_path from raw.documents")
    assert [status for status, _ in documents] == ["parsed"] * 5, documents
    assert all(path.startswith("s3://disclosure/landing/") for _, path in documents), documents
    assert query(dsn, "select count(*) from marts.dim_report") == [(5,)]
    assert failed_checks(dsn) == SAMPLE_FAILURES
    statuses = dict(query(dsn, "select agency_name, quality_status from marts.dim_report"))
    assert statuses["静乐县"] == "failed" and statuses["金寨县人民政府"] == "passed"
    return {
        table: query(dsn, f"select {', '.join(columns)} from marts.{table} order by {', '.join(columns)}")
        for table, columns in COMPARED.items()
    }


@pytest.mark.timeout(1500)  # a bound for a machine under load; 6-9 minutes on a busy 2-core one
def test_celery_server_mode_end_to_end(tmp_path: Path, embedded_run: EmbeddedRun) -> None:
    """Three ingest runs in a row on one set of services: a task process must outlast a slow api-server.

    The second and third runs find every document known and parse nothing, so
    they are quick; each must succeed, and the marts and check results stay
    the same rows. The marts are then the embedded DuckDB run's, row for row.
    """
    assert embedded_run.exit_code == 0, embedded_run.output[-3000:]
    nologin_role = f"disclosure_bi_{uuid.uuid4().hex[:8]}"
    try:
        with celery_server(tmp_path, concurrency=4) as server:
            _three_runs(server)
            on_postgres = dataclasses.replace(
                embedded_run.settings,
                home=tmp_path / "postgres",
                warehouse_target="postgres",
                postgres_dsn=server.warehouse_dsn,
                docs_dir=tmp_path / "postgres" / "docs",
                bi_role=nologin_role,
            )
            _assert_same_marts_on_both_targets(embedded_run.settings, on_postgres)
            _assert_alerts_and_summary_read_postgres(on_postgres)
            # A BI role without a password is NOLOGIN; SET ROLE proves its grants.
            grant_bi_access(on_postgres.warehouse)
            _assert_role_grants(server.warehouse_dsn, nologin_role)
    finally:
        drop_role(nologin_role)  # after its database: the grants there depend on it


def _three_runs(server: Server) -> None:
    """The first run, a same-day run with nothing new, a next-day run: the marts and the checks each time."""
    dsn = server.warehouse_dsn
    # At the logical date the scheduler would pick on unpause, so that the unpause
    # adds no scheduled run of its own (catchup=False still makes one).
    first = _ingest(server, "first run", server.dags[INGEST]["next_dagrun_logical_date"])
    assert first is not None
    marts = _assert_warehouse(dsn)
    checks = query(dsn, CHECK_RUNS_SQL)
    assert {last for *_, last in checks} == {first}
    assert_bi_role_reads_marts_only(dsn, server.bi_role)

    # The same day, nothing new: the marts were built today, so no transform and nothing changes.
    assert _ingest(server, "same day") is None
    assert _assert_warehouse(dsn) == marts
    assert query(dsn, CHECK_RUNS_SQL) == checks

    # The next day (the checks and the date the last transform judged by moved back a day): nothing
    # new, but the marts are rebuilt (publication monitoring moves with the date); every result is
    # seen again, none added.
    query(
        dsn,
        "update raw.check_results set first_seen_at = first_seen_at - interval '1 day', "
        "last_seen_at = last_seen_at - interval '1 day'",
    )
    query(dsn, "update raw.transform_code set as_of_date = cast(cast(as_of_date as date) - 1 as varchar)")
    third = _ingest(server, "next day")
    assert third is not None and third != first
    assert _assert_warehouse(dsn) == marts
    rechecked = query(dsn, CHECK_RUNS_SQL)
    assert [row[:4] for row in rechecked] == [row[:4] for row in checks]  # first_seen_run stays
    assert {last for *_, last in rechecked} == {third}
    assert_bi_role_reads_marts_only(dsn, server.bi_role)


# ---------------------------------------------------------------- same marts on both targets


def _normalise(row: tuple) -> tuple:
    """Both drivers' values as comparable Python values (Decimal/float/int -> rounded float)."""
    out = []
    for value in row:
        if value is None or isinstance(value, str):
            out.append(value)
        elif isinstance(value, float) and value != value:  # NaN
            out.append(None)
        else:
            out.append(round(float(value), 6))
    return tuple(out)


def _marts_rows(settings: Settings) -> dict[str, list[tuple]]:
    from warehouse.connection import connect

    rows = {}
    with connect(settings.warehouse, read_only=True) as conn:
        for table, columns in COMPARED.items():
            fetched = conn.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
            rows[table] = sorted((_normalise(r) for r in fetched), key=repr)
    return rows


def _assert_same_marts_on_both_targets(on_duckdb: Settings, on_postgres: Settings) -> None:
    """The same samples through the same DAGs give the same marts on DuckDB and on Postgres, row for row."""
    duck, pg = _marts_rows(on_duckdb), _marts_rows(on_postgres)
    for table in COMPARED:
        assert len(duck[table]) == len(pg[table]), table
        assert duck[table] == pg[table], f"{table}: first difference " + repr(
            next((a, b) for a, b in zip(duck[table], pg[table], strict=True) if a != b)
        )
    assert len(duck["fct_applications"]) > 500 and len(duck["fct_check_results"]) > 100
    failed = {(r[1], r[2]) for r in duck["fct_check_results"] if r[-1] == "failed"}
    assert ("app.results_sum", "total") in failed


def _assert_alerts_and_summary_read_postgres(settings: Settings) -> None:
    """alerts.checks and pipeline.summary run their one version of the SQL on Postgres too."""
    from alerts.checks import build_alerts
    from pipeline.summary import build_summary
    from warehouse.publish import publish_copy

    alerts = build_alerts(settings.alerts, "parity")
    assert {(a.agency, a.report_year, a.check_id) for a in alerts} >= {("静乐县", 2020, "app.results_sum")}
    assert alerts[0].sha256 and alerts[0].document
    summary = build_summary(settings)
    assert "reports loaded     5" in summary and "app.results_sum" in summary and "静乐县" in summary
    assert "postgresql://" in summary
    assert publish_copy(settings.warehouse) is None  # BI reads the marts through the role: nothing to copy


def _assert_role_grants(dsn: str, role: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'set role "{role}"')
            cursor.execute("select count(*) from marts.dim_report")
            assert cursor.fetchone() == (5,)
            for statement in (
                "insert into marts.dim_report (report_id) values ('x')",
                "create table marts.bi_scratch (x int)",
                "select 1 from raw.documents",
            ):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
            cursor.execute("reset role")
    finally:
        conn.close()


# ---------------------------------------------------------------- S3 landing


@pytest.mark.timeout(300)
def test_s3_landing_parse_and_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Landing and parse results on s3:// (moto in server mode): content-addressed, written once, loaded."""
    import boto3
    from moto.server import ThreadedMotoServer

    from pipeline.cli import main as disclosure
    from pipeline.parse_step import parse_to_file
    from warehouse.connection import connect
    from warehouse.load import load_parsed

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for name, value in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "DISCLOSURE_S3_ENDPOINT_URL": endpoint,
            "DISCLOSURE_LANDING_URL": "s3://disclosure/landing",
            "DISCLOSURE_PARSED_DIR": "s3://disclosure/parsed",
            "DISCLOSURE_HOME": str(tmp_path / "home"),
            "DISCLOSURE_WAREHOUSE": "duckdb",
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("DISCLOSURE_WAREHOUSE_PATH", "DISCLOSURE_PUBLISHED_PATH", "DISCLOSURE_DOCS_DIR"):
            monkeypatch.delenv(name, raising=False)
        settings = Settings.from_env()
        assert settings.landing_root == "s3://disclosure/landing"
        assert disclosure(["init-storage"]) == 0  # what the compose init job runs: creates the bucket

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        outcomes = [parse_to_file(str(p), settings) for p in SAMPLES]
        assert all(o["parsed_path"].startswith("s3://disclosure/parsed/") for o in outcomes)
        objects = {o["Key"]: o for o in s3.list_objects_v2(Bucket="disclosure")["Contents"]}
        for outcome in outcomes:
            sha = outcome["sha256"]
            assert f"landing/{sha[:2]}/{sha}" in objects
        assert sum(k.startswith("parsed/") for k in objects) == 5
        sample = SAMPLES[0].read_bytes()
        landed = s3.get_object(Bucket="disclosure", Key=f"landing/{outcomes[0]['sha256'][:2]}/{outcomes[0]['sha256']}")
        assert landed["Body"].read() == sample

        summary = load_parsed(settings.warehouse, [o["parsed_path"] for o in outcomes])
        assert summary["documents_loaded"] == 5
        with connect(settings.warehouse, read_only=True) as conn:
            paths = [r[0] for r in conn.execute("select landing_path from raw.documents").fetchall()]
        assert len(paths) == 5 and all(p.startswith("s3://disclosure/landing/") for p in paths)

        # Again: nothing parsed, landed or loaded twice; landed objects are never rewritten.
        again = [parse_to_file(str(p), settings) for p in SAMPLES]
        assert all(o["skipped"] for o in again)
        after = {o["Key"]: o for o in s3.list_objects_v2(Bucket="disclosure")["Contents"]}
        assert {k: (o["ETag"], o["LastModified"]) for k, o in after.items()} == {
            k: (o["ETag"], o["LastModified"]) for k, o in objects.items()
        }
        assert load_parsed(settings.warehouse, [o["parsed_path"] for o in again])["documents_skipped"] == 5
    finally:
        server.stop()
