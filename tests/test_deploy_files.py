"""The Dockerfile and compose.yaml, checked without a container engine: what they run exists,
the image runs as a user with a health check, and compose wires PostgreSQL, the migration, the
web server and the worker together with the database on a named volume."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from tests.conftest import PROJECT_DIR

RESLOG = Path(sys.executable).parent / "reslog"


def _dockerfile() -> DockerfileParser:
    return DockerfileParser(path=str(PROJECT_DIR / "Dockerfile"))


def _instructions(name: str) -> list[str]:
    return [i["value"] for i in _dockerfile().structure if i["instruction"] == name]


def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load((PROJECT_DIR / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def test_the_image_is_slim_python_run_as_a_user_with_reslog_as_entry_point() -> None:
    parsed = _dockerfile()
    assert parsed.baseimage is not None
    assert parsed.baseimage.startswith("python:3.11") and parsed.baseimage.endswith("-slim")
    order = [i["instruction"] for i in parsed.structure]
    users = _instructions("USER")
    assert users == ["reslog"] and order.index("USER") < order.index("ENTRYPOINT")
    assert json.loads(_instructions("ENTRYPOINT")[0]) == ["reslog"]
    assert json.loads(_instructions("CMD")[0]) == ["serve"]
    runs = _instructions("RUN")
    assert any("pybabel compile" in run for run in runs)  # catalogs built in
    assert any("pip install -r requirements.lock" in run for run in runs)  # the pinned versions
    assert parsed.envs["HOST"] == "0.0.0.0" and _instructions("EXPOSE") == [parsed.envs["PORT"]]


def test_every_file_the_image_copies_is_in_the_project() -> None:
    for value in _instructions("COPY"):
        *sources, _target = value.split()
        for source in sources:
            assert (PROJECT_DIR / source).exists(), source


def test_the_health_check_asks_healthz_with_python_that_parses() -> None:
    (check,) = _instructions("HEALTHCHECK")
    command = json.loads(check[check.index("CMD") + len("CMD") :].strip())
    assert command[:2] == ["python", "-c"]
    ast.parse(command[2])
    assert "/healthz" in command[2]


def test_compose_runs_postgres_the_migration_the_web_server_and_the_worker() -> None:
    compose = _compose()
    services = compose["services"]
    assert services["db"]["image"] == "postgres:15"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "pgdata" in compose["volumes"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["web"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    for name in ("web", "worker"):
        service = services[name]
        assert service["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert service["env_file"] == ".env"
        assert service["environment"]["DATABASE_URL"].startswith("postgresql://reslog:")
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["db", "upgrade"]])
def test_each_command_the_deployment_runs_exists(command: list[str]) -> None:
    run = subprocess.run(
        [str(RESLOG), *command, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert run.returncode == 0, run.stderr
    assert "usage: reslog" in run.stdout


def test_compose_commands_match_the_procfile() -> None:
    procfile = dict(
        line.split(": ", 1)
        for line in (PROJECT_DIR / "Procfile").read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    services = _compose()["services"]
    for role, command in procfile.items():
        assert ["reslog", *services[role]["command"]] == command.split()
