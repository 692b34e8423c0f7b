"""`disclosure run` plumbing that needs no Airflow run: environment, progress lines, summary."""

from __future__ import annotations

import dataclasses
import json

import duckdb
import pytest

from pipeline import cli, embedded
from pipeline.embedded import DAGS_FOLDER, _Progress, airflow_env
from pipeline.settings import Settings
from pipeline.summary import build_summary, display_width, format_table


def test_airflow_env_is_embedded_and_quiet(tmp_settings: Settings) -> None:
    env = airflow_env(tmp_settings, base={"PATH": "/bin"})
    home = tmp_settings.home / "airflow"
    assert env["AIRFLOW_HOME"] == str(home)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{home / 'airflow.db'}"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(DAGS_FOLDER)
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__USAGE_DATA_COLLECTION__ENABLED"] == "False"
    assert env["DO_NOT_TRACK"] == "1" and env["GX_ANALYTICS_ENABLED"] == "False"
    assert env["DBT_SEND_ANONYMOUS_USAGE_STATS"] == "False"
    assert env["DISCLOSURE_WAREHOUSE_PATH"] == str(tmp_settings.warehouse_path)
    assert env["PATH"] == "/bin"


@pytest.mark.parametrize("flags", [[], ["--full-refresh"]])
def test_full_refresh_reaches_the_transform_dag_only(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, flags: list[str]
) -> None:
    """`disclosure run --full-refresh` runs the transform with conf {"full_refresh": true}, the ingest without."""
    commands: dict[str, list[str]] = {}

    def run(runner: object, label: str, command: list[str], on_line: object = None) -> int:
        commands[label] = command
        return 0

    monkeypatch.setattr(embedded, "_prepare_airflow", lambda settings, runner: True)
    monkeypatch.setattr(embedded, "_summary", lambda settings: "")
    monkeypatch.setattr(embedded._Runner, "run", run)
    assert cli.main(["run", *flags]) == 0
    assert "--conf" not in commands["disclosure_ingest"]
    transform = commands["disclosure_transform"]
    assert transform[-1] == "disclosure_transform"
    conf = transform[transform.index("--conf") + 1] if "--conf" in transform else None
    assert (conf and json.loads(conf)) == ({"full_refresh": True} if flags else None)


def test_progress_names_mapped_tasks_by_file() -> None:
    lines = [
        "t [info     ] [DAG TEST] starting task_id=parse map_index=2 [airflow.sdk.definitions.dag]",
        "t [info     ] Pushing xcom [task] ti=RuntimeTaskInstance(rendered_map_index='002_x.txt', a=1)",
        "t [info     ] Task instance state updated [x] new_state=success rows_affected=1",
        "t [info     ] [DAG TEST] end task task_id=parse map_index=2 [airflow.sdk.definitions.dag]",
        "t [warning  ] 3 alerts logged only [disclosure.dags] loc=x.py:1",
        "t [info     ] something else [airflow.models.dagrun]",
    ]
    progress = _Progress()
    assert [p for p in map(progress.feed, lines) if p] == [
        "parse[002_x.txt]: success",
        "  WARNING: 3 alerts logged only",
    ]


def test_table_alignment_counts_wide_characters() -> None:
    assert display_width("静乐县") == 6
    rows = format_table([("agency", "year"), ("静乐县", "2020")], right_aligned={1})
    assert rows == ["agency  year", "静乐县  2020"]


def test_summary_without_marts_falls_back_to_raw(tmp_settings: Settings) -> None:
    assert "nothing was loaded" in build_summary(tmp_settings)
    from warehouse.connection import connect

    with connect(tmp_settings.warehouse) as conn:  # creates the raw schema
        conn.execute(
            "insert into raw.reports (report_id, sha256, parser_version, document) values ('r', 's', 'v', 'd')"
        )
    text = build_summary(tmp_settings)
    assert "marts              not built" in text and "reports loaded     1" in text
    assert str(tmp_settings.warehouse_path) in text
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True):
        pass  # the summary left no lock behind


def test_summary_warns_of_the_placeholder_contact_until_it_is_set(tmp_settings: Settings) -> None:
    assert "the User-Agent's contact is the placeholder" in build_summary(tmp_settings)
    operated = dataclasses.replace(tmp_settings, fetch_options="contact_url=https://ops.example.net/crawler")
    assert "placeholder" not in build_summary(operated)
