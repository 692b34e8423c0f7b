"""The peer-platform checks on the samples plus a two-year pair per template (issue 22).

The five samples are parsed, loaded and built with dbt (DuckDB) together with
documents made from them, each a fixture that fails or passes one new check:

* 盐池县 (gov2021, sample 004) for 2022, nearly copied: only the year and
  two figures changed (规范性文件 made and published 5 -> 7); its text states 上年结转 3件 (the table says 0: fails
  narrative.carry) and 行政复议 0件 (not evaluable: its appeals table is blank);
* 金寨县 (gov2019, sample 001) for 2019, rewritten with sample 000's prose: no
  reuse with 001; part 六 is only "/" (report.section_empty fails) and the
  2020 report (001) keeps 六 "无。" (passes).

The new checks fire where these documents say so and nowhere else.

DuckDB only (one build takes about a minute): on Postgres the same models
and their unit tests (int_check_inputs, fct_table_changes) run in the
Postgres `dbt build` of test_marts_both_targets (both_targets.py).
"""

from __future__ import annotations

import duckdb
import pytest

from pipeline.settings import Settings
from tests.paths import SAMPLES
from warehouse.transform import run_dbt

YANCHI_2021 = (SAMPLES / "004_a0eb56bf1a87750f.txt").read_text(encoding="utf-8")
JINZHAI_2020 = (SAMPLES / "001_27a7349fbee7f2fc.txt").read_text(encoding="utf-8")
HUACHI_2020 = (SAMPLES / "000_c5fa09c4c740451d.txt").read_text(encoding="utf-8")


def yanchi_2022_copied() -> str:
    stated = "收到政府信息公开申请 6 件,"
    regulatory = "规范性文件\t5\t5\t110"  # 20.1: made, published, total published
    assert stated in YANCHI_2021 and regulatory in YANCHI_2021
    return (
        YANCHI_2021.replace(stated, "收到政府信息公开申请 6 件，上年结转3件，全年行政复议0件,")
        .replace(regulatory, "规范性文件\t7\t7\t110")
        .replace("2021", "2022")
    )


def jinzhai_2019_rewritten() -> str:
    """001's title and tables, 000's prose (another county's words), part 六 only '/'."""
    title, jinzhai_rest = JINZHAI_2020.split("\n", 1)
    tables = jinzhai_rest[
        jinzhai_rest.index("二、主动公开政府信息情况") : jinzhai_rest.index("五、存在的主要问题及改进情况")
    ]
    huachi_general = HUACHI_2020[HUACHI_2020.index("一、总体情况") : HUACHI_2020.index("二、主动公开政府信息情况")]
    huachi_problems = HUACHI_2020[HUACHI_2020.index("五、存在的主要问题及改进情况") : HUACHI_2020.index("六、其他")]
    body = huachi_general.replace("华池县", "金寨县") + tables + huachi_problems.replace("华池县", "金寨县")
    return (title + "\n" + body + "六、其他需要报告的事项\n/\n").replace("2020", "2019")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    from pipeline.parse_step import parse_to_file
    from warehouse.load import load_parsed

    home = tmp_path_factory.mktemp("peer_checks")
    with pytest.MonkeyPatch.context() as mp:
        for name in ("DISCLOSURE_WAREHOUSE", "DISCLOSURE_WAREHOUSE_PATH", "DISCLOSURE_PARSED_DIR"):
            mp.delenv(name, raising=False)
        mp.setenv("DISCLOSURE_HOME", str(home))
        settings = Settings.from_env()
        made = {"yanchi_2022.txt": yanchi_2022_copied(), "jinzhai_2019.txt": jinzhai_2019_rewritten()}
        paths = sorted(SAMPLES.glob("*.txt"))
        for name, text in made.items():
            (home / name).write_text(text, encoding="utf-8")
            paths.append(home / name)
        parsed = [parse_to_file(str(p), settings)["parsed_path"] for p in paths]
        load_parsed(settings.warehouse, parsed)
        run_dbt(settings.dbt, ["build", "--exclude", "resource_type:unit_test"])
        conn = duckdb.connect(str(settings.warehouse.duckdb_path), read_only=True)
    yield conn
    conn.close()


def rows(conn: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


NEW_CHECKS = (
    "'narrative.carry', 'narrative.granted', 'narrative.appeals', 'report.section_missing', "
    "'report.section_empty', 'report.fee_explained', 'report.reused_text'"
)


def test_new_checks_fail_exactly_where_the_documents_say(warehouse) -> None:
    failing = rows(
        warehouse,
        "select reports.agency_name, reports.report_year, inputs.check_id, inputs.subject, "
        "round(inputs.expected, 2), round(inputs.observed, 2) "
        "from intermediate.int_check_inputs as inputs "
        "join staging.stg_reports as reports using (report_id) "
        f"where inputs.check_id in ({NEW_CHECKS}) and round(inputs.expected, 2) <> round(inputs.observed, 2) "
        "",
    )
    assert sorted(failing) == [
        ("盐池县人民政府办公室", 2022, "narrative.carry", "carried_over.total", 3.0, 0.0),
        ("盐池县人民政府办公室", 2022, "report.reused_text", "sentences", 0.5, 0.97),
        ("金寨县人民政府", 2019, "report.section_empty", "六", 1.0, 0.0),
        # sample 002 ends after part 五 (signature and date follow): 六 is really missing
        ("静乐县", 2020, "report.section_missing", "六", 1.0, 0.0),
    ]


def test_new_checks_pass_where_the_documents_agree(warehouse) -> None:
    passing = set(
        rows(
            warehouse,
            "select reports.agency_name, reports.report_year, inputs.check_id, inputs.subject "
            "from intermediate.int_check_inputs as inputs join staging.stg_reports as reports using (report_id) "
            f"where inputs.check_id in ({NEW_CHECKS}) and round(inputs.expected, 2) = round(inputs.observed, 2)",
        )
    )
    assert {
        ("金寨县人民政府", 2020, "narrative.appeals", "admin_review.total"),
        ("金寨县人民政府", 2020, "narrative.appeals", "litigation.total"),
        ("金寨县人民政府", 2020, "report.section_empty", "六"),
        ("金寨县人民政府", 2020, "report.reused_text", "sentences"),
        ("盐池县人民政府办公室", 2021, "report.section_missing", "六"),
    } <= passing


def test_table_changes_are_the_cells_that_changed(warehouse) -> None:
    changes = rows(
        warehouse,
        "select reports.agency_name, reports.report_year, changes.table_name, changes.article_item, "
        "changes.row_code, changes.column_code, changes.previous_value, changes.value, changes.change_kind "
        "from marts.fct_table_changes as changes join staging.stg_reports as reports using (report_id)",
    )
    assert sorted(changes) == [
        ("盐池县人民政府办公室", 2022, "proactive", "20.1", "normative_document", measure, 5.0, 7.0, "changed")
        for measure in ("new_made", "new_published")
    ]
