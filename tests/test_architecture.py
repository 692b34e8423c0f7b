"""The tree shows the flow: import-linter holds the layers, and a backwards import fails the gate."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import REPO_ROOT

PACKAGES = ("extractors", "warehouse", "expectations", "alerts", "pipeline")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": str(Path(sys.executable).parent), "PYTHONPATH": str(root)},
    )


def test_every_import_respects_the_contracts() -> None:
    result = _lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_a_backwards_import_breaks_a_contract(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    for package in PACKAGES:
        shutil.copytree(REPO_ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    codes = tmp_path / "extractors" / "codes.py"
    codes.write_text(
        codes.read_text(encoding="utf-8") + "\nfrom warehouse.connection import connect  # noqa\n", encoding="utf-8"
    )
    (tmp_path / "warehouse" / "load.py").write_text("import airflow.sdk  # noqa\n", encoding="utf-8")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "extractors.codes -> warehouse.connection" in result.stdout
    assert "warehouse.load -> airflow" in result.stdout


def test_dags_and_plugins_stay_the_only_airflow_importers() -> None:
    importers = {
        path.relative_to(REPO_ROOT).parts[0]
        for path in REPO_ROOT.glob("*/**/*.py")
        if path.parts[len(REPO_ROOT.parts)] in (*PACKAGES, "dags", "plugins")
        and any(
            line.lstrip().startswith(("import airflow", "from airflow"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    }
    assert importers == {"dags", "plugins"}
