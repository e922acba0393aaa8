"""LOG_FORMAT=json: one JSON object per line, with the person's pseudonym where a line names one."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import PROJECT_DIR

SCRIPT = """
import logging
from bot.logs import configure_logging
configure_logging(logging.INFO, "json")
log = logging.getLogger("handlers.core.router")
log.info("p:%s went over the flood limit; not read for a minute", "0123456789ab")
log.warning("the database is out of reach: أمل قالت")
logging.getLogger("sqlalchemy.engine").info("hidden: below the library's ceiling")
try:
    int("x")
except ValueError:
    log.exception("failed to handle a message (participant %s)", 7)
"""


def test_each_record_is_one_json_line_with_the_pseudonym_and_the_traceback() -> None:
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = run.stderr.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 3
    assert [r["level"] for r in records] == ["INFO", "WARNING", "ERROR"]
    assert {r["logger"] for r in records} == {"handlers.core.router"}
    assert all(r["time"].endswith("+00:00") for r in records)
    assert records[0]["person"] == "p:0123456789ab"
    assert "person" not in records[1] and "person" not in records[2]
    assert records[1]["message"] == "the database is out of reach: أمل قالت"
    assert "ValueError: invalid literal" in records[2]["exc_info"]
    assert records[2]["message"] == "failed to handle a message (participant 7)"
