"""The pipeline's configuration, read from the environment; each lower layer gets its own small part.

Every path defaults to a folder under the repo's `var/` so that the embedded
default needs no configuration at all. `Settings` is read once, here; the
packages below take only the typed object they need (`StorageConfig`,
`WarehouseConfig`, `DbtConfig`, `ChecksConfig`, `AlertConfig`, `FetchConfig`,
`Limits`, `Revalidation`), built by the properties of `Settings`. Variables are documented in
`.env.example` and docs/ARCHITECTURE.md; tests keep them in agreement with
the variables this module reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from alerts.config import AlertConfig
from expectations.context import ChecksConfig
from extractors.fetch.host_locks import check_host_locks
from extractors.fetch.revalidation import DEFAULT_DAYS, Revalidation
from extractors.storage import StorageConfig, is_url
from warehouse.config import WarehouseConfig, WarehouseTarget
from warehouse.transform import DbtConfig

if TYPE_CHECKING:
    from extractors.fetch.fetcher import FetchConfig

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGISTRY = REPO_ROOT / "sources.yml"
# Variables that point a pipeline outside its DISCLOSURE_HOME (other files, another warehouse, alert
# targets): a test or a bench that gives a run its own DISCLOSURE_HOME clears these first.
ELSEWHERE_VARIABLES = (
    "DISCLOSURE_WAREHOUSE",
    "DISCLOSURE_WAREHOUSE_PATH",
    "DISCLOSURE_PUBLISHED_PATH",
    "DISCLOSURE_PARSED_DIR",
    "DISCLOSURE_DOCS_DIR",
    "DISCLOSURE_LANDING_URL",
    "DISCLOSURE_S3_ENDPOINT_URL",
    "DISCLOSURE_ALERT_URLS",
    "DISCLOSURE_DIGEST_URLS",
    "DISCLOSURE_HOST_LOCKS",
)


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def _optional_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else None


def _location(name: str, default: Path) -> str:
    """A folder or a storage URL: URLs are kept as they are, folders made absolute."""
    value = os.environ.get(name, "").strip()
    if value and is_url(value):
        return value.rstrip("/")
    if value.startswith("file://"):
        value = value[len("file://") :]
    return str(Path(value).expanduser().resolve() if value else default)


def _positive_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _split_urls(value: str) -> tuple[str, ...]:
    return tuple(u for u in value.replace(",", " ").split() if u)


@dataclass(frozen=True)
class Settings:
    """Where the pipeline reads, writes and alerts. Build with `Settings.from_env()`."""

    home: Path
    # DISCLOSURE_INPUT_DIR: when set, the folder the registry's folder source reads (overriding its
    # `local_dir`); None means the registry says where. Kept so that tests, benches and compose
    # point the pipeline at a folder without writing a registry.
    input_dir: Path | None
    warehouse_target: WarehouseTarget
    warehouse_path: Path
    published_path: Path
    postgres_dsn: str
    parsed_dir: Path
    docs_dir: Path
    alert_urls: tuple[str, ...] = field(default=())
    dbt_project_dir: Path = REPO_ROOT / "dbt_project"
    # Shared storage (server mode): a local folder or an s3:// URL; "" means the folder under home.
    landing_url: str = ""
    parsed_url: str = ""  # DISCLOSURE_PARSED_DIR when it is a URL; "" means parsed_dir
    s3_endpoint_url: str = ""  # MinIO or another S3-compatible server; "" means AWS
    bi_role: str = "disclosure_bi"  # read-only Postgres role for BI tools
    bi_password: str = field(default="", repr=False)  # "" makes the role NOLOGIN
    # The daily digest of failed `warning` checks; DISCLOSURE_DIGEST_URLS unset or empty: alert_urls.
    digest_urls: tuple[str, ...] = field(default=())
    registry_path: Path = DEFAULT_REGISTRY  # DISCLOSURE_REGISTRY: the source registry
    fetch_options: str = ""  # DISCLOSURE_FETCH_OPTIONS: "name=value ..." overrides of FetchConfig
    # DISCLOSURE_PARSE_BATCH_SIZE: documents per mapped `parse` task. A task instance costs about
    # 3 s of scheduling and process start under the LocalExecutor, a document about 0.3 s to parse;
    # 1 gives a task per document.
    parse_batch_size: int = 20
    fetch_batch_size: int = 10  # DISCLOSURE_FETCH_BATCH_SIZE: sources per mapped `fetch` task
    # DISCLOSURE_FETCH_HOSTS: requests in flight to distinct hosts by all fetch tasks together, a slot
    # taken per request (lock files beside the per-host ones, extractors.fetch.host_limiter); each host
    # keeps its own spacing. A fetch task progresses up to 4 hosts per slot (pipeline.fetch_step.HOSTS_PER_SLOT)
    # on one event loop.
    fetch_hosts: int = 32
    # DISCLOSURE_HOST_LOCKS: where those slots and each host's spacing live: "" lock files in the fetch
    # state (embedded), a redis:// URL Redis (server mode, workers sharing no folder; extractors.fetch.host_locks).
    host_locks: str = ""
    # DISCLOSURE_REVALIDATE_DAYS: a known document is asked for again once per this many days, on its
    # day of the cycle (extractors.fetch.revalidation); 1: every run, as before the schedule.
    revalidate_days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        # A plain "postgres" (tests, dataclasses.replace) becomes the enum, or fails here, not later.
        object.__setattr__(self, "warehouse_target", WarehouseTarget(self.warehouse_target))

    @classmethod
    def from_env(cls) -> Settings:
        home = _path("DISCLOSURE_HOME", REPO_ROOT / "var")
        target = os.environ.get("DISCLOSURE_WAREHOUSE", "duckdb").strip().lower()
        if target not in set(WarehouseTarget):
            raise ValueError(f"DISCLOSURE_WAREHOUSE must be duckdb or postgres, not {target!r}")
        parsed = _location("DISCLOSURE_PARSED_DIR", home / "parsed")
        alert_urls = _split_urls(os.environ.get("DISCLOSURE_ALERT_URLS", ""))
        return cls(
            home=home,
            input_dir=_optional_path("DISCLOSURE_INPUT_DIR"),
            warehouse_target=WarehouseTarget(target),
            warehouse_path=_path("DISCLOSURE_WAREHOUSE_PATH", home / "warehouse" / "disclosure.duckdb"),
            published_path=_path("DISCLOSURE_PUBLISHED_PATH", home / "warehouse" / "published" / "disclosure.duckdb"),
            postgres_dsn=os.environ.get("DISCLOSURE_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/disclosure"),
            parsed_dir=home / "parsed" if is_url(parsed) else Path(parsed),
            parsed_url=parsed if is_url(parsed) else "",
            docs_dir=_path("DISCLOSURE_DOCS_DIR", home / "docs"),
            alert_urls=alert_urls,
            digest_urls=_split_urls(os.environ.get("DISCLOSURE_DIGEST_URLS", "")) or alert_urls,
            landing_url=_location("DISCLOSURE_LANDING_URL", home / "landing"),
            s3_endpoint_url=os.environ.get("DISCLOSURE_S3_ENDPOINT_URL", "").strip(),
            bi_role=os.environ.get("DISCLOSURE_BI_ROLE", "").strip() or "disclosure_bi",
            bi_password=os.environ.get("DISCLOSURE_BI_PASSWORD", ""),
            registry_path=_path("DISCLOSURE_REGISTRY", DEFAULT_REGISTRY),
            fetch_options=os.environ.get("DISCLOSURE_FETCH_OPTIONS", "").strip(),
            parse_batch_size=_positive_int("DISCLOSURE_PARSE_BATCH_SIZE", 20),
            fetch_batch_size=_positive_int("DISCLOSURE_FETCH_BATCH_SIZE", 10),
            fetch_hosts=_positive_int("DISCLOSURE_FETCH_HOSTS", 32),
            host_locks=check_host_locks(os.environ.get("DISCLOSURE_HOST_LOCKS", "")),
            revalidate_days=_positive_int("DISCLOSURE_REVALIDATE_DAYS", DEFAULT_DAYS),
        )

    @property
    def landing_root(self) -> str:
        """Where landed documents live: a local folder or an s3:// URL (DISCLOSURE_LANDING_URL)."""
        return self.landing_url or str(self.home / "landing")

    @property
    def parsed_root(self) -> str:
        """Where parse results are handed from parse to load: a local folder or an s3:// URL."""
        return self.parsed_url or str(self.parsed_dir)

    @property
    def gx_docs_dir(self) -> Path:
        return self.docs_dir / "gx"

    @property
    def dbt_docs_dir(self) -> Path:
        return self.docs_dir / "dbt"

    @property
    def storage(self) -> StorageConfig:
        return StorageConfig(
            landing_root=self.landing_root,
            parsed_root=self.parsed_root,
            fetch_state_dir=self.home / "fetch_state",
            s3_endpoint_url=self.s3_endpoint_url,
        )

    @property
    def warehouse(self) -> WarehouseConfig:
        return WarehouseConfig(
            target=self.warehouse_target,
            duckdb_path=self.warehouse_path,
            published_path=self.published_path,
            postgres_dsn=self.postgres_dsn,
            bi_role=self.bi_role,
            bi_password=self.bi_password,
        )

    @property
    def dbt(self) -> DbtConfig:
        return DbtConfig(self.warehouse, self.dbt_project_dir, work_dir=self.home / "dbt", docs_dir=self.dbt_docs_dir)

    @property
    def checks(self) -> ChecksConfig:
        return ChecksConfig(self.warehouse, work_dir=self.home / "gx", docs_dir=self.gx_docs_dir)

    @property
    def fetch(self) -> FetchConfig:
        """The FetchConfig with DISCLOSURE_FETCH_OPTIONS applied (imported late: httpx slows DAG parsing)."""
        from extractors.fetch.fetcher import FetchConfig

        return FetchConfig.from_options(self.fetch_options)

    def revalidation(self, force: bool = False) -> Revalidation:
        """Today's revalidation schedule; `force` (the backfill param `revalidate`) asks for every document."""
        return Revalidation(days=self.revalidate_days, force=force)

    @property
    def alerts(self) -> AlertConfig:
        return AlertConfig(self.checks, urls=self.alert_urls, digest_urls=self.digest_urls)
