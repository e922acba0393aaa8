"""The stored vocabularies: each value is the exact string kept in its column.

A member compares equal to its string (``PollStatus.OPEN == "open"``), so rows written before
these were declared stay valid, and a column can stay a plain ``String``. Renaming a value
would need a data migration; adding one does not.
"""

from __future__ import annotations

from enum import StrEnum


class PollStatus(StrEnum):
    """Where a poll is in its life (``polls.status``): a draft opens once, then closes once."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class QuestionKind(StrEnum):
    """How a question is answered (``questions.kind``)."""

    SINGLE = "single"  # one option
    MULTI = "multi"  # several options
    SCALE = "scale"  # 1 to 5
    YESNO = "yesno"
    TEXT = "text"  # free text, never published
    NUMBER = "number"  # a whole number, optionally within bounds


class NoticeStatus(StrEnum):
    """A notice (``notices.status``): a draft while staff look at it, queued once confirmed."""

    DRAFT = "draft"
    QUEUED = "queued"


class OutboxStatus(StrEnum):
    """What became of one outbox row (``outbox.status``); see ``storage.outbox``."""

    PENDING = "pending"  # waiting to be claimed, maybe until ``not_before``
    SENDING = "sending"  # claimed: the request is under way
    SENT = "sent"
    FAILED = "failed"  # gave up after the allowed attempts
    BLOCKED = "blocked"  # the person blocked the bot or left
    SKIPPED = "skipped"  # the person opted out, or the poll closed, before it went
    UNCONFIRMED = "unconfirmed"  # under way when the dispatcher stopped: never sent again


class DeliveryStatus(StrEnum):
    """What a channel reported of a sent message (``outbox.delivery_status``, from Twilio)."""

    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    READ = "read"


class DestructionCategory(StrEnum):
    """What kind of personal data a destruction took (``destructions.category``)."""

    PARTICIPANT = "participant"  # the person: address, language, profile, feedback, steps
    FEEDBACK = "feedback"  # feedback texts
    SENSITIVE_PROFILE = "sensitive_profile"  # answers to sensitive profile questions
    OUTBOX_RECIPIENT = "outbox_recipient"  # who a notice went to
    MESSAGE_KEY = "message_key"  # inbound message keys
    ERASED_ADDRESS = "erased_address"  # keyed hashes of erased people, once no backup needs them
    DESTRUCTION_RECORD = "destruction_record"  # this log's own rows after three years


class DestructionReason(StrEnum):
    """Why it was destroyed (``destructions.reason``)."""

    REQUEST = "request"  # the person asked (/forget)
    INACTIVITY = "inactivity"  # no activity for the municipality's period
    RETENTION_PERIOD = "retention_period"  # the category's period passed
    RESTORE = "restore"  # erased once already, brought back by a restored backup
    CONSENT_WITHDRAWN = "consent_withdrawn"  # an optional consent declined or taken back
    REDACTION = "redaction"  # staff removed one text that could identify someone
