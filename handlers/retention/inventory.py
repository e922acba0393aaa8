"""The inventory of personal data for one municipality, from the models' own declarations
(``storage.personal_data``): a row per category, its periods filled in with the municipality's,
and the profile answers a row per question of its assemblies (a sensitive one as a special
category). Written as Markdown or CSV for the KVKK officer (VERBİS, the retention policy)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import astuple, dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.assemblies import municipality_assemblies
from storage.base import Base
from storage.models import Assembly, Municipality
from storage.personal_data import CONSENT, SPECIAL_CONSENT, PersonalData

HEADERS = (
    "category",
    "stored in",
    "purpose",
    "legal basis",
    "retention",
    "recipients",
    "protection",
    "special category",
)


@dataclass(frozen=True)
class InventoryRow:
    """One line of the inventory."""

    category: str
    stored_in: str
    purpose: str
    legal_basis: str
    retention: str
    recipients: str
    protection: str
    special: str


async def inventory(session: AsyncSession, municipality: Municipality) -> list[InventoryRow]:
    """Every category of personal data kept, as it applies to this municipality."""
    periods = {
        "inactive_months": municipality.inactive_months,
        "feedback_months": municipality.feedback_months,
        "outbox_days": municipality.outbox_days,
        "message_key_days": municipality.message_key_days,
    }
    assemblies = sorted(
        await municipality_assemblies(session, [municipality.id]), key=lambda a: a.join_code
    )
    rows = []
    for mapper in sorted(Base.registry.mappers, key=lambda m: str(m.persist_selectable)):
        table = str(mapper.persist_selectable)
        for category in mapper.class_.__dict__.get("__personal_data__", ()):
            if table == "profile_answers":
                rows += _profile_rows(category, assemblies, periods)
                continue
            rows.append(_row(category, category.name, table, periods))
    return rows


def _row(
    category: PersonalData,
    name: str,
    table: str,
    periods: dict[str, int],
    legal_basis: str | None = None,
    special: bool | None = None,
) -> InventoryRow:
    """A category as a line, its periods filled in."""
    return InventoryRow(
        name,
        f"{table} ({', '.join(category.columns)})",
        category.purpose,
        legal_basis or category.legal_basis,
        category.retention.format(**periods),
        category.recipients,
        category.protection,
        "yes" if (category.special if special is None else special) else "no",
    )


def _profile_rows(
    category: PersonalData, assemblies: Sequence[Assembly], periods: dict[str, int]
) -> list[InventoryRow]:
    """A line per profile question of the municipality's assemblies."""
    rows = []
    for assembly in assemblies:
        for question in assembly.profile or []:
            sensitive = bool(question.get("sensitive"))
            text = question.get("text", {})
            asked = text.get("en") or text.get("tr") or next(iter(text.values()), "")
            rows.append(
                _row(
                    category,
                    f"profile answer: {question['key']} ({assembly.join_code}: {asked})",
                    "profile_answers",
                    periods,
                    legal_basis=SPECIAL_CONSENT if sensitive else CONSENT,
                    special=sensitive,
                )
            )
    return rows


def as_markdown(rows: list[InventoryRow], municipality: Municipality) -> str:
    """The inventory as a Markdown table with a title."""

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# Personal data kept for {municipality.slug}",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + " --- |" * len(HEADERS),
    ]
    lines += ["| " + " | ".join(cell(v) for v in astuple(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def as_csv(rows: list[InventoryRow]) -> str:
    """The inventory as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    writer.writerows(astuple(row) for row in rows)
    return out.getvalue()
