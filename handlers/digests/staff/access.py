"""Whose digest settings a staff member may change: municipal staff their municipality's, an
administrator every municipality's and every union's. A facilitator's role does not reach them.

A subject is named in a staff step's data and in its buttons as ``m<id>`` or ``u<id>``.
"""

from __future__ import annotations

from sqlalchemy import select

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _
from storage.models import Municipality, MunicipalUnion, Staff
from storage.staff import ADMINISTRATOR, MUNICIPAL

Subject = Municipality | MunicipalUnion


def subject_key(subject: Subject) -> str:
    """How a subject is named in step data and buttons."""
    return f"{'m' if isinstance(subject, Municipality) else 'u'}{subject.id}"


async def digest_subjects(turn: Turn) -> list[Subject] | None:
    """The municipalities (and, for an administrator, unions) whose digest the sender may set;
    None for someone with no staff role at all."""
    incoming = turn.incoming
    roles = list(
        (
            await turn.session.execute(
                select(Staff).where(
                    Staff.channel == incoming.channel, Staff.address_hash == turn.address_hash
                )
            )
        ).scalars()
    )
    if not roles:
        return None
    municipalities = select(Municipality).order_by(Municipality.slug)
    if any(role.role == ADMINISTRATOR for role in roles):
        unions = select(MunicipalUnion).order_by(MunicipalUnion.slug)
        return [
            *(await turn.session.execute(municipalities)).scalars(),
            *(await turn.session.execute(unions)).scalars(),
        ]
    ids = [role.municipality_id for role in roles if role.role == MUNICIPAL]
    query = municipalities.where(Municipality.id.in_(ids))
    return list((await turn.session.execute(query)).scalars())


async def subject_named(turn: Turn, key: object) -> Subject | None:
    """The subject a key names, if the sender may still set its digest."""
    subjects = await digest_subjects(turn) or []
    return next((s for s in subjects if subject_key(s) == key), None)


def not_municipal() -> Outgoing:
    """The refusal for staff whose role does not cover a municipality's digest."""
    return Outgoing(
        _("Digest settings are for a municipality's staff. Your role does not include them.")
    )
