"""Backing up the database while the bot runs, and restoring a backup.

SQLite: the online backup API of Python's ``sqlite3`` copies the database as one consistent
snapshot while other connections keep writing (in WAL mode they are not even held up); the copy
is written beside the target and renamed into place, so a failed backup leaves no half file.
PostgreSQL: ``pg_dump`` in its custom format (``RESLOG_PG_DUMP`` names the program, else it is
looked up on the PATH) and ``pg_restore --clean``. A restore checks first that the file is a
backup of this project, of a schema the code knows, and that the target holds no assemblies or
people unless forced; afterwards the caller migrates it to the latest schema.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL

from storage.engine import normalise_database_url
from storage.errors import DomainError
from storage.migrate import alembic_config

PG_DUMP, PG_RESTORE = "RESLOG_PG_DUMP", "RESLOG_PG_RESTORE"
TIMEOUT = 3600.0  # seconds a pg_dump or pg_restore may take


class BackupError(DomainError):
    """A backup or restore cannot be done as asked; the message is one line saying why."""


def backup(database_url: str, out: Path) -> None:
    """Write a consistent copy of the database to ``out``."""
    url = normalise_database_url(database_url)
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BackupError(f"the folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise BackupError(f"the folder {folder} is not writable")
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(_sqlite_path(url), out)
    else:
        _backup_postgres(url, out)


def restore(database_url: str, backup_file: Path, *, force: bool = False) -> str:
    """Replace the database with a backup; the schema revision the backup was at. The caller
    then migrates the database to the latest schema."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file} is not a file")
    url = normalise_database_url(database_url)
    sqlite = url.get_backend_name() == "sqlite"
    revision = _sqlite_revision(backup_file) if sqlite else _dump_revision(backup_file)
    _check_known(database_url, revision)
    if not force and _holds_data(url):
        raise BackupError(
            "the database already holds assemblies or people; restoring would replace them"
            " (add --force to do so)"
        )
    if sqlite:
        _restore_sqlite(backup_file, _sqlite_path(url))
    else:
        # an empty schema first: tables a later version added would otherwise stay behind
        _psql(url, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        _run(
            _program(PG_RESTORE, "pg_restore"),
            "--no-owner",
            "--exit-on-error",
            f"--dbname={_libpq(url)}",
            str(backup_file),
        )
    return revision


def _sqlite_path(url: URL) -> Path:
    """The file of a SQLite database."""
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _backup_sqlite(source: Path, out: Path) -> None:
    """The online backup API into ``out``."""
    if not source.is_file():
        raise BackupError(f"the database file {source} does not exist")

    def copy_into(temporary: Path) -> None:
        with _connect(source) as original, _connect(temporary) as copy:
            original.backup(copy)

    _written_whole(out, copy_into)


def _written_whole(out: Path, write: Callable[[Path], None]) -> None:
    """``write`` into a file beside ``out``, renamed into place once complete: a backup that
    fails half-way leaves nothing behind."""
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, out)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _restore_sqlite(backup_file: Path, target: Path) -> None:
    """Copy the backup over the database, page by page, under SQLite's own locks."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with _connect(backup_file) as source, _connect(target) as database:
        source.backup(database)


def _connect(path: Path) -> closing[sqlite3.Connection]:
    """A plain connection that closes when its ``with`` ends (sqlite3's own only commits)."""
    return closing(sqlite3.connect(path, timeout=30))


def _sqlite_revision(backup_file: Path) -> str:
    """The schema revision a SQLite backup is at; refused if it is not one of ours."""
    try:
        with _connect(backup_file) as copy:
            row = copy.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise BackupError(f"{backup_file} is not a backup of a reslog database") from None
    if row is None:
        raise BackupError(f"{backup_file} is not a backup of a reslog database")
    return str(row[0])


def _dump_revision(backup_file: Path) -> str:
    """The schema revision a pg_dump file is at, read from its alembic_version data."""
    restore_program = _program(PG_RESTORE, "pg_restore")
    listed = subprocess.run(
        [restore_program, "--list", str(backup_file)], capture_output=True, text=True, check=False
    )
    if listed.returncode != 0:
        raise BackupError(f"{backup_file} is not a backup made by `reslog db backup`")
    data = subprocess.run(
        [restore_program, "--data-only", "--table=alembic_version", "--file=-", str(backup_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = data.stdout.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("COPY ") and "alembic_version" in line and index + 1 < len(lines):
            return lines[index + 1].strip()
    raise BackupError(f"{backup_file} is not a backup of a reslog database")


def _check_known(database_url: str, revision: str) -> None:
    """Refuse a backup made by a newer version of the code (a schema it does not know)."""
    scripts = ScriptDirectory.from_config(alembic_config(database_url))
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupError(
            f"the backup is at schema revision {revision}, which this version of reslog does"
            " not know (it was made by a newer one); restore it with that version"
        )


def _holds_data(url: URL) -> bool:
    """Whether the database has any assembly or participant (an absent one has none)."""
    query = "SELECT (SELECT count(*) FROM assemblies) + (SELECT count(*) FROM participants)"
    if url.get_backend_name() == "sqlite":
        path = _sqlite_path(url)
        if not path.exists():
            return False
        try:
            with _connect(path) as database:
                return bool(database.execute(query).fetchone()[0])
        except sqlite3.OperationalError:
            return False  # no such tables: an empty database
    try:
        return _psql(url, query).strip() not in ("", "0")
    except BackupError as error:
        if "does not exist" in str(error):
            return False  # no such tables: an empty database
        raise


def _psql(url: URL, sql: str) -> str:
    """Run SQL with psql; what it printed."""
    psql = shutil.which("psql")
    if psql is None:
        raise BackupError("psql is not installed; it is needed to restore into PostgreSQL")
    run = subprocess.run(
        [psql, "-qAt", "-v", "ON_ERROR_STOP=1", f"--dbname={_libpq(url)}", "-c", sql],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    if run.returncode != 0:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        raise BackupError(f"psql failed: {lines[0] if lines else run.returncode}")
    return run.stdout


def _backup_postgres(url: URL, out: Path) -> None:
    """pg_dump in its custom format into ``out``."""
    program = _program(PG_DUMP, "pg_dump")
    _written_whole(
        out,
        lambda temporary: _run(
            program,
            "--format=custom",
            "--no-owner",
            f"--file={temporary}",
            f"--dbname={_libpq(url)}",
        ),
    )


def _libpq(url: URL) -> str:
    """The database URL as libpq takes it (no driver name)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _program(setting: str, name: str) -> str:
    """A PostgreSQL client program: the one a setting names, else the one on the PATH."""
    named = os.environ.get(setting)
    found = named or shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(
            f"{name} was not found; install PostgreSQL's client programs or set {setting}"
        )
    return found


def _run(program: str, *args: str) -> None:
    """Run a PostgreSQL client program; its first error line if it fails."""
    run = subprocess.run(
        [program, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    if run.returncode != 0:
        lines = [line for line in run.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"exit status {run.returncode}"
        raise BackupError(f"{Path(program).name} failed: {reason}")
