"""The committed dbt seeds and vars are exactly what the Python vocabulary renders (one name, one thing)."""

from __future__ import annotations

from pipeline.seeds import DBT_PROJECT_FILE, SEEDS_DIR, render_dbt_vars, render_seeds, with_dbt_vars


def test_seeds_match_the_code() -> None:
    for name, text in render_seeds().items():
        committed = (SEEDS_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"{name} is stale: run `python -m pipeline.seeds`"


def test_dbt_vars_match_the_code() -> None:
    committed = DBT_PROJECT_FILE.read_text(encoding="utf-8")
    assert render_dbt_vars() in committed, "dbt_project.yml vars are stale: run `python -m pipeline.seeds`"
    assert with_dbt_vars(committed) == committed


def test_dbt_vars_name_every_code_of_the_vocabulary() -> None:
    block = render_dbt_vars()
    for line in (
        'application_templates: ["gov2019", "gov2021"]',
        'signed_measures: ["change"]',
        'amount_measures: ["fee_amount", "procurement_amount"]',
    ):
        assert line in block
