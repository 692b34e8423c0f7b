"""docker-compose.yml, checked statically (no Docker engine on our machines).

It parses; the services the docs name exist; every long-running service has a
healthcheck; images are pinned; the code is built in or mounted; every
`${VARIABLE}` it uses is documented in .env.example; every DISCLOSURE_*
setting the code reads is documented in .env.example and the README; no
secret is written into the file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.paths import REPO_ROOT

COMPOSE_PATH = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
README = REPO_ROOT / "README.md"

# What README "Server mode" and docs/ARCHITECTURE.md promise (issue 7).
DOCUMENTED_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
    "airflow-db",
    "warehouse-db",
    "redis",
    "minio",
}
ONE_OFF_SERVICES = {"airflow-init"}
CODE_FOLDERS = ("dags", "plugins", "extractors", "warehouse", "expectations", "alerts", "pipeline", "dbt_project")
SECRET_KEYS = re.compile(r"(PASSWORD|SECRET|FERNET_KEY|ACCESS_KEY|TOKEN)", re.IGNORECASE)
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env_example_names() -> set[str]:
    """Variables of .env.example, set (`NAME=`) or documented in a comment (`# NAME=`)."""
    names = set()
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", line)
        if match:
            names.add(match.group(1))
    return names


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _airflow_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The services of the project's Airflow image (x-airflow-common)."""
    found = {name: s for name, s in services.items() if s.get("build") or "disclosure-airflow" in s.get("image", "")}
    assert {"airflow-apiserver", "airflow-worker", "airflow-init"} <= set(found)
    return found


def test_compose_parses_with_the_documented_services(services) -> None:
    assert set(services) >= DOCUMENTED_SERVICES, sorted(DOCUMENTED_SERVICES - set(services))


def test_the_docs_name_only_services_that_exist(services) -> None:
    text = README.read_text(encoding="utf-8") + (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = text.split("## Server mode", 1)[1] if "## Server mode" in text else text
    named = set(re.findall(r"`((?:airflow-[a-z-]+)|(?:[a-z]+-db)|redis|minio)`", section))
    assert named, "README 'Server mode' names no service"
    assert named <= set(services), sorted(named - set(services))


def test_every_image_is_pinned(services) -> None:
    for name, service in services.items():
        image = service.get("image")
        assert image or service.get("build"), f"{name}: neither image nor build"
        if image:
            repository, _, tag = image.rpartition(":")
            assert repository and tag and tag != "latest" and "/" not in tag, f"{name}: image {image!r} is not pinned"
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    for base in re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE):
        assert ":" in base and not base.endswith(":latest"), f"Dockerfile base {base!r} is not pinned"


def test_every_long_running_service_has_a_healthcheck(services) -> None:
    for name, service in services.items():
        if name in ONE_OFF_SERVICES:
            continue
        check = service.get("healthcheck") or {}
        assert check.get("test"), f"{name}: no healthcheck"
        assert not check.get("disable"), f"{name}: healthcheck disabled"


def test_airflow_services_wait_for_healthy_dependencies(services) -> None:
    for name, service in _airflow_services(services).items():
        depends = service.get("depends_on") or {}
        for dependency in ("airflow-db", "redis", "warehouse-db", "minio"):
            assert depends.get(dependency, {}).get("condition") == "service_healthy", (name, dependency)
        if name not in ONE_OFF_SERVICES:
            assert depends["airflow-init"]["condition"] == "service_completed_successfully", name


def test_the_code_is_built_in_and_mounted(services) -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    for folder in CODE_FOLDERS:
        assert re.search(rf"^COPY .*\b{folder}\b", dockerfile, flags=re.MULTILINE), f"Dockerfile does not copy {folder}"
    for name, service in _airflow_services(services).items():
        assert service.get("build"), f"{name}: not built from the Dockerfile"
        mounts = {str(v).split(":")[0].rstrip("/") for v in service.get("volumes", [])}
        for folder in CODE_FOLDERS:
            assert f"./{folder}" in mounts, f"{name}: ./{folder} is not mounted"


IMAGE_ROOT = "/opt/disclosure"
# `REPO_ROOT / "dbt_project" / "seeds"`: a path the code reads by default, relative to the code's root.
REPO_PATH = re.compile(r"REPO_ROOT((?:\s*/\s*\"[^\"]+\")+)")


def _image_paths(services: dict[str, dict[str, Any]]) -> set[str]:
    """What exists under IMAGE_ROOT in the Airflow containers: COPY sources, mkdir'd folders, compose mounts."""
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    present = set(re.findall(rf"mkdir -p ((?:{IMAGE_ROOT}/\w+\s*)+)", dockerfile))
    present = {p.removeprefix(IMAGE_ROOT + "/") for group in present for p in group.split()}
    for line in dockerfile.splitlines():
        if line.startswith("COPY "):
            *sources, target = [part for part in line.split()[1:] if not part.startswith("--")]
            inside = target.rstrip("/").removeprefix(IMAGE_ROOT).strip("/")
            present |= set(sources) if not inside else {inside}
    for service in _airflow_services(services).values():
        for volume in service.get("volumes", []):
            target = str(volume).split(":")[1]
            if target.startswith(IMAGE_ROOT + "/"):
                present.add(target.removeprefix(IMAGE_ROOT + "/"))
    return present


def _default_paths() -> set[str]:
    """Every `REPO_ROOT / ...` path in the packages, as `a/b`."""
    found = set()
    for package in CODE_FOLDERS:
        for module in (REPO_ROOT / package).rglob("*.py"):
            for match in REPO_PATH.finditer(module.read_text(encoding="utf-8")):
                found.add("/".join(re.findall(r'"([^"]+)"', match.group(1))))
    return found


def test_every_path_the_code_reads_by_default_is_in_the_image(services) -> None:
    """A default path (the registry sources.yml, dbt seeds ...) missing from the image fails in server mode only."""
    defaults = _default_paths()
    assert {"sources.yml", "dbt_project", "var"} <= defaults  # the scan sees the settings' defaults
    present = _image_paths(services)
    missing = sorted(p for p in defaults if p not in present and p.split("/")[0] not in present)
    assert not missing, f"read by default but not in the image (Dockerfile COPY or compose mount): {missing}"


def test_server_mode_settings(services) -> None:
    env = _environment(services["airflow-worker"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert re.match(r"redis://(:@)?redis:6379/", env["AIRFLOW__CELERY__BROKER_URL"])
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "@airflow-db/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    # A task process waits for a busy api-server instead of failing (tests/server_mode.py uses these too).
    assert float(env["AIRFLOW__WORKERS__EXECUTION_API_TIMEOUT"]) >= 30
    assert int(env["AIRFLOW__WORKERS__EXECUTION_API_RETRIES"]) >= 10
    assert env["DISCLOSURE_WAREHOUSE"] == "postgres"
    assert "@warehouse-db:5432/" in env["DISCLOSURE_POSTGRES_DSN"]
    assert env["DISCLOSURE_LANDING_URL"].startswith("s3://")
    assert env["DISCLOSURE_PARSED_DIR"].startswith("s3://")
    assert env["DISCLOSURE_S3_ENDPOINT_URL"] == "http://minio:9000"
    # Host politeness in the compose Redis, on a db of its own: a Celery purge of the broker's db keeps it.
    locks, broker = (
        re.fullmatch(r"redis://(?::@)?redis:6379/(\d+)", env[name])
        for name in ("DISCLOSURE_HOST_LOCKS", "AIRFLOW__CELERY__BROKER_URL")
    )
    assert locks and broker and locks.group(1) != broker.group(1)
    init = services["airflow-init"]
    script = " ".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    for step in (
        "airflow db migrate",
        "airflow pools set warehouse",
        "disclosure init-storage",
        "simple_auth_manager_passwords.json",
    ):
        assert step in script, f"airflow-init does not run {step!r}"


# Where alerts are sent from: tasks and deadline callbacks (workers), callbacks of killed tasks (dag-processor).
ALERT_SETTINGS = ("DISCLOSURE_ALERT_URLS", "DISCLOSURE_DIGEST_URLS")
ALERTING_SERVICES = ("airflow-worker", "airflow-dag-processor", "airflow-scheduler")


def test_alert_routes_reach_the_services_that_alert(services) -> None:
    for name in ALERTING_SERVICES:
        env = _environment(services[name])
        for setting in ALERT_SETTINGS:
            assert VARIABLE.fullmatch(env.get(setting, "")), f"{name}: {setting} is not passed from .env"
            assert VARIABLE.fullmatch(env[setting]).group(1) == setting, f"{name}: {setting} comes from another name"
    documented = _env_example_names()
    assert set(ALERT_SETTINGS) <= documented, sorted(set(ALERT_SETTINGS) - documented)


def test_every_compose_variable_is_in_env_example() -> None:
    used = set(VARIABLE.findall(COMPOSE_PATH.read_text(encoding="utf-8")))
    assert used, "no ${VARIABLE} found: the pattern is wrong"
    missing = used - _env_example_names()
    assert not missing, f"used in docker-compose.yml, not in .env.example: {sorted(missing)}"


def test_every_setting_the_code_reads_is_documented() -> None:
    source = (REPO_ROOT / "pipeline" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r"[\"'](DISCLOSURE_[A-Z0-9_]+)[\"']", source))
    assert {"DISCLOSURE_HOME", "DISCLOSURE_WAREHOUSE", "DISCLOSURE_LANDING_URL"} <= read
    readme = README.read_text(encoding="utf-8")
    in_env = _env_example_names()
    assert not read - in_env, f"read by pipeline/settings.py, not in .env.example: {sorted(read - in_env)}"
    undocumented = {name for name in read if f"`{name}`" not in readme}
    assert not undocumented, f"read by pipeline/settings.py, not in the README: {sorted(undocumented)}"


def test_no_secret_is_hard_coded(compose, services) -> None:
    """Every password, key or secret comes from a ${VARIABLE}, never a literal."""

    def check(where: str, key: str, value: str) -> None:
        if SECRET_KEYS.search(key) and value and not key.endswith(("_FILE", "_USERS")):
            assert VARIABLE.fullmatch(value.strip()), f"{where}: {key} is hard-coded ({value!r})"

    for name, service in services.items():
        for key, value in _environment(service).items():
            check(name, key, value)
    for key, value in _environment(compose.get("x-airflow-common", {})).items():
        check("x-airflow-common", key, value)
    # and no credentials inside URLs: user:password@ only through variables
    for url in re.findall(r"[a-z+]+://[^\s\"']+", COMPOSE_PATH.read_text(encoding="utf-8")):
        credentials = re.match(r"[a-z+]+://([^/@]*)@", url)
        if credentials and credentials.group(1) not in ("", ":"):
            _user, _, password = credentials.group(1).partition(":")
            assert not password or VARIABLE.fullmatch(password), f"password in {url!r}"


def test_env_example_holds_no_real_secret() -> None:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line)
        if match and SECRET_KEYS.search(match.group(1)):
            assert match.group(2) in ("", "change-me"), f".env.example sets {match.group(1)}"


def test_the_architecture_settings_table_is_exactly_what_the_code_reads() -> None:
    """docs/ARCHITECTURE.md's configuration table: every DISCLOSURE_* variable any package reads, and no other."""
    read = set()
    for package in ("extractors", "warehouse", "expectations", "alerts", "pipeline", "dags", "plugins"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            for name in re.findall(
                r"""(?:environ(?:\.get)?\(|environ\[|_\w+\()\s*["'](DISCLOSURE_[A-Z0-9_]+)["']""",
                path.read_text(encoding="utf-8"),
            ):
                read.add(name)
    assert {"DISCLOSURE_HOME", "DISCLOSURE_WAREHOUSE", "DISCLOSURE_DIGEST_URLS"} <= read
    architecture = (REPO_ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
    section = architecture.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `(DISCLOSURE_[A-Z0-9_]+)` \|", section, flags=re.MULTILINE))
    assert table == read, f"missing from the table: {sorted(read - table)}; not read: {sorted(table - read)}"
