"""A digest written out once in every format, for all its recipients and for ``--out``.

The Telegram messages, the charts, the workbook and (per address) the e-mail all come from the
same ``Digest`` data, built once per run; so every recipient reads the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.digests.formats.charts import DigestChart, digest_charts
from bot.digests.formats.email import digest_email
from bot.digests.formats.telegram_html import digest_messages
from bot.digests.formats.workbook import digest_filename, digest_workbook
from handlers.digests.report import Digest

FILE_MODE = 0o600  # a digest holds what people wrote: readable by its owner only


@dataclass(frozen=True)
class DigestFiles:
    """One digest in every format."""

    digest: Digest
    messages: tuple[str, ...]
    charts: tuple[DigestChart, ...]
    workbook: bytes
    workbook_name: str


def write_formats(digest: Digest) -> DigestFiles:
    """The digest's messages, charts and workbook."""
    return DigestFiles(
        digest=digest,
        messages=tuple(digest_messages(digest)),
        charts=tuple(digest_charts(digest)),
        workbook=digest_workbook(digest),
        workbook_name=digest_filename(digest, "xlsx"),
    )


def write_folder(files: DigestFiles, folder: Path, sender: str) -> list[Path]:
    """Write the digest into ``folder``: its messages, charts, workbook and e-mail; the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    stem = digest_filename(files.digest, "")[:-1]
    contents: dict[str, bytes] = {
        files.workbook_name: files.workbook,
        f"{stem}.eml": bytes(
            digest_email(files.digest, files.charts, files.workbook, sender=sender, recipients=[])
        ),
    }
    for number, message in enumerate(files.messages, start=1):
        contents[f"{stem}-message-{number}.html"] = message.encode("utf-8")
    for chart in files.charts:
        contents[f"{stem}-{chart.name}.png"] = chart.png
    written = []
    for name, content in contents.items():
        path = folder / name
        path.write_bytes(content)
        path.chmod(FILE_MODE)
        written.append(path)
    return written
