"""How each model declares the personal data it holds: one ``PersonalData`` per category,
beside the model (``__personal_data__``), and the columns that hold none (``__not_personal__``).

Every column of every table is one or the other (``tests/storage/test_personal_data.py``), so a
new column cannot hold personal data unnoticed. ``reslog privacy inventory`` prints the
declarations for a municipality, its retention periods filled in: what the KVKK officer needs
for the VERBİS registration and the retention and destruction policy.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSENT = "explicit consent (KVKK art. 5/1)"
SPECIAL_CONSENT = "explicit consent for special categories of data (KVKK art. 6/2)"
LEGAL_OBLIGATION = "the controller's legal obligation (KVKK art. 5/2-ç)"
LEGITIMATE = "the controller's legitimate interest (KVKK art. 5/2-f)"
STAFF_DUTY = "the performance of the staff member's duties (KVKK art. 5/2-c, 5/2-f)"

NOBODY = "nobody outside the system"
CARRIERS = (
    "the messaging carrier, abroad: Telegram (Telegram FZ-LLC, UAE) or WhatsApp and Twilio"
    " (Meta Platforms Ireland Ltd., Ireland; Twilio Inc., USA)"
)
AGGREGATES = "the municipality and its unions, as totals only (groups under K hidden)"

ENCRYPTED = "encrypted (Fernet, key from RESLOG_SECRET_KEY)"
KEYED_HASH = "keyed hash (HMAC-SHA256), not reversible"
PLAIN = "plain, in the database"

UNTIL_ERASED = "until erased: /forget, or {inactive_months} months without activity"


@dataclass(frozen=True)
class PersonalData:
    """One category of personal data a table holds: in which columns, why, on what legal basis,
    how long (``{inactive_months}`` and the like are the municipality's periods), who receives
    it, how it is stored, and whether it is of a special category (KVKK art. 6)."""

    name: str
    columns: tuple[str, ...]
    purpose: str
    legal_basis: str
    retention: str
    recipients: str
    protection: str = PLAIN
    special: bool = False
