"""The marts as a BI tool sees them, on DuckDB and on Postgres: the same tables, types and descriptions."""

from __future__ import annotations

import json
import re

import pytest

from tests.dbt_project.both_targets import (
    AS_OF_DATE,
    NEXT_YEAR_FIGURES,
    SILENT_AGENCY,
    SOURCES,
    built_warehouses,
    query_duckdb,
    query_postgres,
)
from tests.dbt_project.test_dbt_project import (
    AGENCY_002,
    AGENCY_NULL,
    CHECK_RUNS,
    CONTRACT_COLUMNS,
    REPORT_002,
    REPORT_NULL,
)
from tests.paths import REPO_ROOT

pytestmark = pytest.mark.integration

COLUMNS_SQL = """
    select table_name, column_name, data_type, numeric_precision, numeric_scale
    from information_schema.columns
    where table_schema = 'marts'
"""
# information_schema spellings of one type: DuckDB's -> the Postgres one
_DUCKDB_TYPES = {
    "VARCHAR": "character varying",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp without time zone",
}


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    with built_warehouses(tmp_path_factory.mktemp("bi")) as both:
        yield both


def _duckdb_type(data_type: str, precision: int | None, scale: int | None) -> str:
    decimal = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", data_type)
    if decimal:
        return f"numeric({decimal[1]},{decimal[2]})"
    return _DUCKDB_TYPES.get(data_type, data_type)


def _postgres_type(data_type: str, precision: int | None, scale: int | None) -> str:
    if data_type == "numeric":
        return f"numeric({precision},{scale})"
    return "character varying" if data_type == "text" else data_type


def test_every_mart_column_has_one_type_on_both_targets(warehouses):
    duck, postgres = warehouses
    duck_types = {(t, c): _duckdb_type(*rest) for t, c, *rest in query_duckdb(duck, COLUMNS_SQL)}
    pg_types = {(t, c): _postgres_type(*rest) for t, c, *rest in query_postgres(postgres, COLUMNS_SQL)}
    assert duck_types.keys() == pg_types.keys()
    assert {key: (duck_types[key], pg_types[key]) for key in duck_types if duck_types[key] != pg_types[key]} == {}
    # counts are integers, report figures a fixed decimal: never a float or DuckDB's HUGEINT
    assert {key: kind for key, kind in pg_types.items() if key[1].startswith("n_") and kind != "bigint"} == {}
    assert {t for t in duck_types.values() if t not in set(_DUCKDB_TYPES.values()) and "numeric" not in t} == set()


def test_identity_inputs_and_contract_columns_are_the_same_on_both_targets(warehouses):
    """The same project on the `postgres` target: identity inputs agree and the marts keep the contract."""
    duck, postgres = warehouses
    inputs_sql = (
        "select report_id, subject, expected, observed from intermediate.int_check_inputs "
        "where check_id = 'app.results_sum' and subject in ('natural_person', 'total') "
        "and report_id in (?, ?) order by 1, 2"
    )
    inputs = query_postgres(postgres, inputs_sql, [REPORT_002, REPORT_NULL])
    assert sorted(inputs) == sorted(
        [
            (REPORT_002, "natural_person", 5.0, 0.0),
            (REPORT_002, "total", 5.0, 0.0),
            (REPORT_NULL, "natural_person", None, 2.0),
            (REPORT_NULL, "total", 2.0, 2.0),
        ]
    )
    assert query_duckdb(duck, inputs_sql, [REPORT_002, REPORT_NULL]) == inputs
    columns_sql = "select table_name, column_name from information_schema.columns where table_schema = 'marts'"
    for settings, query in ((duck, query_duckdb), (postgres, query_postgres)):
        columns = query(settings, columns_sql)
        for table, contract in CONTRACT_COLUMNS.items():
            assert set(contract) <= {column for name, column in columns if name == table}, (query.__name__, table)


def _expected_agency_years() -> set[tuple[str, int]]:
    """Registered, non-example agencies x their first_year .. the year before the as-of date."""
    last_year = int(AS_OF_DATE[:4]) - 1
    return {
        (name, year)
        for name, _, _, _, _, kind, first_year, example, *_ in SOURCES
        if kind and not example
        for year in range(first_year, last_year + 1)
    }


def test_agency_year_grid_is_complete_and_shows_the_missing(warehouses):
    duck, postgres = warehouses
    grid_sql = (
        "select agency_name, report_year, is_found, report_id, publication_status "
        "from marts.agg_agency_year where is_expected order by 1, 2"
    )
    grid = query_duckdb(duck, grid_sql)
    assert grid == query_postgres(postgres, grid_sql)
    assert {(name, year) for name, year, *_ in grid} == _expected_agency_years()
    assert {(name, year) for name, year, found, *_ in grid if found} == {(AGENCY_002, 2020), (AGENCY_002, 2021)}
    missing = [row for row in grid if row[0] == SILENT_AGENCY]
    assert missing and all(report_id is None and status == "missing_overdue" for *_, report_id, status in missing)
    # a report of an unregistered agency is in the grid too, outside monitoring
    assert query_duckdb(
        duck,
        "select is_expected, is_found, publication_status from marts.agg_agency_year where agency_name = ?",
        [AGENCY_NULL],
    ) == [(False, True, None)]


def test_failed_checks_are_a_child_table(warehouses):
    duck, postgres = warehouses
    sql = "select report_id, check_id, severity, n_failed_subjects from marts.fct_failed_checks order by 1, 2"
    rows = query_duckdb(duck, sql)
    assert rows == query_postgres(postgres, sql)
    failed = {(run[2], run[3]) for run in CHECK_RUNS if run[0] == "run-2" and run[8] == "failed"}
    assert {(report_id, check_id) for report_id, check_id, *_ in rows} == failed


DUCKDB_COMMENTS_SQL = """
    select table_name, null, comment from duckdb_tables() where schema_name = 'marts'
    union all
    select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'
"""
POSTGRES_COMMENTS_SQL = """
    select c.relname, null, obj_description(c.oid, 'pg_class')
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'marts' and c.relkind in ('r', 'v')
    union all
    select c.relname, a.attname, col_description(c.oid, a.attnum)
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    where n.nspname = 'marts' and c.relkind in ('r', 'v')
"""
_CJK, _LATIN = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"[A-Za-z]{3}")


def _yml_descriptions(settings) -> dict[tuple[str, str | None], str]:
    """(table, column or None) -> description, as dbt read them from the marts' yml."""
    manifest = json.loads((settings.dbt.target_path / "manifest.json").read_text(encoding="utf-8"))
    described: dict[tuple[str, str | None], str] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["schema"] == "marts":
            described[(node["name"], None)] = node["description"]
            for column in node["columns"].values():
                described[(node["name"], column["name"])] = column["description"]
    return described


def test_descriptions_are_in_both_databases_in_chinese_and_english(warehouses):
    duck, postgres = warehouses
    duck_comments = {(t, c): comment for t, c, comment in query_duckdb(duck, DUCKDB_COMMENTS_SQL)}
    pg_comments = {(t, c): comment for t, c, comment in query_postgres(postgres, POSTGRES_COMMENTS_SQL)}
    assert duck_comments == pg_comments
    undocumented = sorted(key for key, comment in duck_comments.items() if not comment)
    assert undocumented == []  # every mart table and column
    assert {
        key for key, comment in duck_comments.items() if not (_CJK.search(comment) and _LATIN.search(comment))
    } == set()
    described = _yml_descriptions(duck)
    assert {key: comment for key, comment in duck_comments.items() if described.get(key) != comment} == {}


def test_agencies_have_regions_and_group_by_province(warehouses):
    duck, postgres = warehouses
    sql = (
        "select agency_name, is_registered, region_match, division_code, province, city, county, agency_level_zh "
        "from marts.dim_agency order by agency_name"
    )
    agencies = query_duckdb(duck, sql)
    assert agencies == query_postgres(postgres, sql)
    by_name = {name: rest for name, *rest in agencies}
    assert by_name[AGENCY_002] == [True, "registry", "140926", "山西省", "忻州市", "静乐县", "县级"]
    assert by_name[SILENT_AGENCY][:6] == [True, "registry", "110105", "北京市", None, "朝阳区"]  # a municipality
    assert by_name[AGENCY_NULL] == [False, "unmatched", None, None, None, None, None]
    by_province = (
        "select a.province, count(*), sum(case when g.is_found then 1 else 0 end) "
        "from marts.agg_agency_year g join marts.dim_agency a using (agency_id) group by 1 order by 1"
    )
    grouped = query_duckdb(duck, by_province)
    assert grouped == query_postgres(postgres, by_province)
    expected_years = _expected_agency_years()
    assert {province: n for province, n, _ in grouped if province} == {
        "山西省": sum(1 for name, _ in expected_years if name == AGENCY_002),
        "北京市": sum(1 for name, _ in expected_years if name == SILENT_AGENCY),
    }


def test_year_over_year_changes_only_between_reported_years(warehouses):
    duck, postgres = warehouses
    sql = (
        "select agency_name, report_year, applications_received, applications_received_previous, "
        "applications_received_change, applications_granted_change, denied__state_secret_change "
        "from marts.fct_agency_year_change order by 1, 2"
    )
    rows = query_duckdb(duck, sql)
    assert rows == query_postgres(postgres, sql)
    by_year = {(name, year): rest for name, year, *rest in rows}
    received_2020, granted_2020 = query_duckdb(
        duck,
        "select applications_received, applications_granted from marts.agg_agency_year "
        "where agency_name = ? and report_year = 2020",
        [AGENCY_002],
    )[0]
    received, granted = NEXT_YEAR_FIGURES[("new_received", "total")], NEXT_YEAR_FIGURES[("granted", "total")]
    assert by_year[(AGENCY_002, 2021)] == [
        received,
        received_2020,
        received - float(received_2020),
        granted - float(granted_2020),
        0,
    ]
    assert by_year[(AGENCY_002, 2020)][1:] == [None, None, None, None]  # no 2019 report
    assert all(change is None for name, year, *_, change, _, _ in rows if name == SILENT_AGENCY)


def _bi_questions() -> list[str]:
    text = (REPO_ROOT / "docs" / "BI.md").read_text(encoding="utf-8")
    return re.findall(r"```sql\n(.*?)```", text, flags=re.DOTALL)


def _comparable(rows: list[tuple]) -> list[tuple]:
    """Rates are doubles computed by each engine: equal to 9 decimals."""
    return [tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows]


def test_the_ten_bi_questions_give_the_same_rows_on_both_targets(warehouses):
    duck, postgres = warehouses
    questions = _bi_questions()
    assert len(questions) == 10
    answered = 0
    for sql in questions:
        rows = query_duckdb(duck, sql)
        assert _comparable(rows) == _comparable(query_postgres(postgres, sql)), sql
        answered += bool(rows)
    assert answered >= 8  # the hand-made warehouse answers nearly every question with rows
