"""Configuration in one typed place, read from the environment.

Every path defaults to a folder under the repo's `var/` so that the embedded
default needs no configuration at all. Variables are documented in
`.env.example` and the README; a test keeps the three in agreement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _split_urls(value: str) -> tuple[str, ...]:
    return tuple(u for u in value.replace(",", " ").split() if u)


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads, writes and alerts. Build with `Settings.from_env()`."""

    home: Path
    input_dir: Path
    warehouse_target: str  # duckdb (embedded default) or postgres
    warehouse_path: Path
    published_path: Path
    postgres_dsn: str
    parsed_dir: Path
    docs_dir: Path
    alert_urls: tuple[str, ...] = field(default=())
    dbt_project_dir: Path = REPO_ROOT / "dbt_project"

    @classmethod
    def from_env(cls) -> Settings:
        home = _path("DISCLOSURE_HOME", REPO_ROOT / "var")
        target = os.environ.get("DISCLOSURE_WAREHOUSE", "duckdb").strip().lower()
        if target not in {"duckdb", "postgres"}:
            raise ValueError(f"DISCLOSURE_WAREHOUSE must be duckdb or postgres, not {target!r}")
        return cls(
            home=home,
            input_dir=_path("DISCLOSURE_INPUT_DIR", REPO_ROOT / "data" / "samples"),
            warehouse_target=target,
            warehouse_path=_path("DISCLOSURE_WAREHOUSE_PATH", home / "warehouse" / "disclosure.duckdb"),
            published_path=_path(
                "DISCLOSURE_PUBLISHED_PATH", home / "warehouse" / "published" / "disclosure.duckdb"
            ),
            postgres_dsn=os.environ.get(
                "DISCLOSURE_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/disclosure"
            ),
            parsed_dir=_path("DISCLOSURE_PARSED_DIR", home / "parsed"),
            docs_dir=_path("DISCLOSURE_DOCS_DIR", home / "docs"),
            alert_urls=_split_urls(os.environ.get("DISCLOSURE_ALERT_URLS", "")),
        )

    @property
    def gx_docs_dir(self) -> Path:
        return self.docs_dir / "gx"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.docs_dir / "dbt"
