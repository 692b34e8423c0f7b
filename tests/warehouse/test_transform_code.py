"""A changed dbt project rebuilds the incremental models once; the same code builds incrementally."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipeline.settings import Settings
from tests.paths import REPO_ROOT
from warehouse import transform
from warehouse.transform_code import held_fingerprint, project_fingerprint


def test_the_fingerprint_follows_the_code_and_ignores_dbt_output(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    first = project_fingerprint(project)
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.sql").write_text("select 1")
    assert project_fingerprint(project) == first

    model = project / "models" / "staging" / "stg_cells.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert project_fingerprint(project) != first
    model.rename(model.with_name("stg_cells_renamed.sql"))
    assert project_fingerprint(project) not in (first, project_fingerprint(project.parent / "nowhere"))


def test_a_new_or_changed_project_is_built_from_scratch_once(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(transform, "run_dbt", lambda config, args: calls.append(list(args)))
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    config = transform.DbtConfig(tmp_settings.warehouse, project, tmp_path / "work", tmp_path / "docs")
    assert held_fingerprint(config.warehouse) is None

    assert transform.build_incremental(config, ["staging"]) is True  # a new warehouse
    assert transform.build_incremental(config, ["staging"]) is False  # the same code: incremental
    assert transform.build_incremental(config, ["staging"], full_refresh=True) is True  # asked for
    (project / "macros" / "incremental_reports.sql").write_text("{# an upgrade #}\n", encoding="utf-8")
    assert transform.build_incremental(config, ["staging"]) is True  # the code changed
    assert transform.build_incremental(config, ["staging"]) is False
    # the transform's two builds: the staging build leaves the fingerprint to the marts build
    (project / "macros" / "incremental_reports.sql").write_text("{# another upgrade #}\n", encoding="utf-8")
    assert transform.build_incremental(config, ["staging"], record=False) is True
    assert transform.build_incremental(config, ["marts"]) is True  # the marts are rebuilt whole too
    assert transform.build_incremental(config, ["staging"], record=False) is False
    assert transform.build_incremental(config, ["marts"]) is False
    assert calls == [
        ["build", "--full-refresh", "--select", "staging"],
        ["build", "--select", "staging"],
        ["build", "--full-refresh", "--select", "staging"],
        ["build", "--full-refresh", "--select", "staging"],
        ["build", "--select", "staging"],
        ["build", "--full-refresh", "--select", "staging"],
        ["build", "--full-refresh", "--select", "marts"],
        ["build", "--select", "staging"],
        ["build", "--select", "marts"],
    ]
    assert held_fingerprint(config.warehouse) == project_fingerprint(project)
