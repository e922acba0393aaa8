"""Whose digest settings a staff member may change: municipal staff their municipality's, an
administrator every municipality's and every union's. A facilitator's role does not reach them.

A subject is named in a staff step's data and in its buttons as ``m<id>`` or ``u<id>``.
"""

from __future__ import annotations

from handlers.core.events import Outgoing
from handlers.core.turn import Turn
from handlers.i18n.core import _
from storage.assemblies import municipalities
from storage.models import Municipality, MunicipalUnion
from storage.staff import ADMINISTRATOR, MUNICIPAL, staff_roles
from storage.unions import list_unions

Subject = Municipality | MunicipalUnion


def subject_key(subject: Subject) -> str:
    """How a subject is named in step data and buttons."""
    return f"{'m' if isinstance(subject, Municipality) else 'u'}{subject.id}"


async def digest_subjects(turn: Turn) -> list[Subject] | None:
    """The municipalities (and, for an administrator, unions) whose digest the sender may set;
    None for someone with no staff role at all."""
    incoming = turn.incoming
    roles = await staff_roles(turn.session, incoming.channel, turn.address_hash)
    if not roles:
        return None
    if any(role.role == ADMINISTRATOR for role in roles):
        return [*await municipalities(turn.session), *await list_unions(turn.session)]
    ids = [role.municipality_id for role in roles if role.role == MUNICIPAL]
    return list(await municipalities(turn.session, [i for i in ids if i is not None]))


async def subject_named(turn: Turn, key: object) -> Subject | None:
    """The subject a key names, if the sender may still set its digest."""
    subjects = await digest_subjects(turn) or []
    return next((s for s in subjects if subject_key(s) == key), None)


def not_municipal() -> Outgoing:
    """The refusal for staff whose role does not cover a municipality's digest."""
    return Outgoing(
        _("Digest settings are for a municipality's staff. Your role does not include them.")
    )
