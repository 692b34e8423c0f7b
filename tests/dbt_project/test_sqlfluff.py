"""The SQL of the dbt project passes SQLFluff (dbt_project/.sqlfluff): the CI lint gate.

The jinja templater renders ref()/source()/var() and our macros offline, so the
whole project lints in seconds without a warehouse connection.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import sqlfluff
import yaml
from sqlfluff.core import FluffConfig

from tests.paths import REPO_ROOT

DBT_PROJECT = REPO_ROOT / "dbt_project"
CONFIG = DBT_PROJECT / ".sqlfluff"


def test_dbt_project_sql_has_no_sqlfluff_violations() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sqlfluff", "lint", "dbt_project", "--format", "json"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    # 0: clean, 1: violations; anything else (2: bad config, a crash) prints no JSON worth reading.
    assert result.returncode in (0, 1), f"sqlfluff failed ({result.returncode}):\n{result.stderr[-3000:]}"
    files = json.loads(result.stdout)
    assert any(f["filepath"].endswith("int_check_inputs.sql") for f in files), "the models were not linted"
    violations = [
        f"{f['filepath']}:{v['start_line_no']}:{v['start_line_pos']}: {v['code']} {v['description']}"
        for f in files
        for v in f["violations"]
    ]
    assert not violations, (
        f"{len(violations)} SQLFluff violation(s); `sqlfluff fix dbt_project` fixes most layout ones:\n"
        + "\n".join(violations)
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_gate_fails_on_bad_sql() -> None:
    # Rendered with the project's templater config (ref, var, macros/): the only
    # findings are the style faults, not a templating failure.
    bad_sql = (
        "SELECT report_id,value FROM {{ ref('stg_cells') }}\n"
        "where column_code in {{ sql_list(var('amount_measures')) }}\n"
    )
    codes = {v["code"] for v in sqlfluff.lint(bad_sql, config_path=str(CONFIG))}
    assert {"CP01", "LT01"} <= codes, codes  # upper-case keywords, no space after a comma
    assert not codes & {"TMP", "PRS"}, codes

    good_sql = bad_sql.replace("SELECT", "select").replace("FROM", "from").replace(",value", ", value")
    assert sqlfluff.lint(good_sql, config_path=str(CONFIG)) == []


def test_templater_context_matches_dbt_vars() -> None:
    # The context is a copy of the generated `vars:` of dbt_project.yml: keep them in step.
    dbt_vars = yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    context = FluffConfig.from_path(str(DBT_PROJECT)).get_section(("templater", "jinja", "context"))
    assert {name: ast.literal_eval(value) for name, value in context.items()} == dbt_vars
