"""Every table of the schema, as SQLAlchemy 2 typed models.

Personal data is kept to what the conversation needs: a channel address is stored
encrypted (``address_enc``) beside a keyed hash used for look-up (``address_hash``),
and ``/forget`` removes the participant row, which cascades to everything that links
back to the person except poll responses, which stay as unlinkable rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.base import Base, utcnow
from storage.personal_data import (
    AGGREGATES,
    CARRIERS,
    CONSENT,
    ENCRYPTED,
    KEYED_HASH,
    LEGAL_OBLIGATION,
    LEGITIMATE,
    NOBODY,
    PLAIN,
    SPECIAL_CONSENT,
    STAFF_DUTY,
    UNTIL_ERASED,
    PersonalData,
)
from storage.vocabulary import NoticeStatus, OutboxStatus, PollStatus

DEFAULT_SUPPRESSION_K = 5
DEFAULT_REMIND_BEFORE_MINUTES = 24 * 60
# How long each kind of personal data is kept, unless a municipality sets its own.
DEFAULT_INACTIVE_MONTHS = 24
DEFAULT_FEEDBACK_MONTHS = 12
DEFAULT_OUTBOX_DAYS = 30
DEFAULT_MESSAGE_KEY_DAYS = 7


class Municipality(Base):
    """A municipality running one or more assemblies: the data controller of its assemblies.

    Its retention periods (``handlers.retention``): a participant with no activity for
    ``inactive_months`` is erased, feedback older than ``feedback_months`` is deleted, outbox
    rows older than ``outbox_days`` lose the link to their recipient, and the keys of inbound
    messages go after ``message_key_days``. ``privacy_contact`` is where people exercise their
    rights (an e-mail, a phone, an office), named in the data-protection notice.
    """

    __tablename__ = "municipalities"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "privacy contact",
            ("privacy_contact",),
            "to tell people where to exercise their rights",
            LEGAL_OBLIGATION,
            "while the municipality runs assemblies",
            "everyone who reads the notice",
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "slug",
            "name",
            "timezone",
            "suppression_k",
            "quiet_start",
            "quiet_end",
            "inactive_months",
            "feedback_months",
            "outbox_days",
            "message_key_days",
            "notice_version",
            "created_at",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, str]]
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Istanbul")
    suppression_k: Mapped[int] = mapped_column(default=DEFAULT_SUPPRESSION_K)
    quiet_start: Mapped[str] = mapped_column(String(5), default="22:00", server_default="22:00")
    quiet_end: Mapped[str] = mapped_column(String(5), default="08:00", server_default="08:00")
    inactive_months: Mapped[int] = mapped_column(
        default=DEFAULT_INACTIVE_MONTHS, server_default=str(DEFAULT_INACTIVE_MONTHS)
    )
    feedback_months: Mapped[int] = mapped_column(
        default=DEFAULT_FEEDBACK_MONTHS, server_default=str(DEFAULT_FEEDBACK_MONTHS)
    )
    outbox_days: Mapped[int] = mapped_column(
        default=DEFAULT_OUTBOX_DAYS, server_default=str(DEFAULT_OUTBOX_DAYS)
    )
    message_key_days: Mapped[int] = mapped_column(
        default=DEFAULT_MESSAGE_KEY_DAYS, server_default=str(DEFAULT_MESSAGE_KEY_DAYS)
    )
    privacy_contact: Mapped[str | None] = mapped_column(String(200))
    # The data-protection notice in force (``privacy_notices``); 0 until one is activated.
    notice_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assembly(Base):
    """A citizens' assembly people join with its join code."""

    __tablename__ = "assemblies"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "municipality_id", "join_code", "name", "languages", "profile", "created_at"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    join_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[dict[str, str]]
    languages: Mapped[list[str]]
    profile: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class Staff(Base):
    """A person with a staff role (facilitator of an assembly, for now)."""

    __tablename__ = "staff"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "staff member's channel address",
            ("channel", "address_hash", "address_enc"),
            "to recognise facilitators and send them what they run",
            STAFF_DUTY,
            "while they hold the role (reslog staff remove)",
            CARRIERS,
            ENCRYPTED + "; look-up by " + KEYED_HASH,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "assembly_id", "municipality_id", "role", "created_at"}
    )
    __table_args__ = (UniqueConstraint("assembly_id", "channel", "address_hash", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int | None] = mapped_column(ForeignKey("assemblies.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    role: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    address_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class StaffInvite(Base):
    """A one-time link that makes whoever opens it staff: ``/start staff-<token>``.

    Only a keyed hash of the token is kept, so the table cannot be used to make new staff. It
    works once (``used_at``), until ``expires_at``.
    """

    __tablename__ = "staff_invites"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "token_hash",
            "role",
            "assembly_id",
            "municipality_id",
            "created_at",
            "expires_at",
            "used_at",
            "staff_id",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    assembly_id: Mapped[int | None] = mapped_column(ForeignKey("assemblies.id"))
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))


class StaffConversation(Base):
    """Where a staff member's own conversation stands (writing a notice, building a poll).

    Kept apart from ``participants``: a facilitator need not be a participant, and one who is
    can answer a poll without losing a half-written notice. Keyed like a participant, by channel
    and keyed address hash; ``nonce`` makes buttons of earlier steps stale.
    """

    __tablename__ = "staff_conversations"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "staff member's conversation",
            ("address_hash", "step", "step_data", "updated_at"),
            "to carry a facilitator's half-written notice or poll between messages",
            STAFF_DUTY,
            "while they hold the role",
            NOBODY,
            KEYED_HASH + " for the address; the rest " + PLAIN,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"channel", "nonce"})

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    step: Mapped[str] = mapped_column(String(32), default="")
    step_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    nonce: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Participant(Base):
    """A person in conversation with the bot on one channel, and where that conversation stands."""

    __tablename__ = "participants"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "channel address",
            ("channel", "address_hash", "address_enc"),
            "to send the person the assembly's questions, notices and results",
            CONSENT,
            UNTIL_ERASED,
            CARRIERS,
            ENCRYPTED + "; look-up by " + KEYED_HASH,
        ),
        PersonalData(
            "language",
            ("language",),
            "to speak to the person in their language, and count answers by language",
            CONSENT,
            UNTIL_ERASED,
            AGGREGATES,
        ),
        PersonalData(
            "consent and opt-out",
            ("consented_at", "consent_version", "stopped_at"),
            "to prove consent and honour /stop",
            LEGAL_OBLIGATION,
            UNTIL_ERASED,
            NOBODY,
        ),
        PersonalData(
            "activity and conversation state",
            (
                "created_at",
                "last_inbound_at",
                "retention_warned_at",
                "step",
                "step_data",
                "step_nonce",
            ),
            "to continue the conversation where it stands, and to erase after inactivity",
            CONSENT,
            UNTIL_ERASED,
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"id"})
    __table_args__ = (UniqueConstraint("channel", "address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64))
    address_enc: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    consented_at: Mapped[datetime | None]
    consent_version: Mapped[str | None] = mapped_column(String(16))
    stopped_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_inbound_at: Mapped[datetime | None]
    # When they were told they would be erased for inactivity; a message since keeps them.
    retention_warned_at: Mapped[datetime | None]
    step: Mapped[str] = mapped_column(String(32), default="")
    step_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    step_nonce: Mapped[int] = mapped_column(default=0)


class Membership(Base):
    """A participant's membership of an assembly."""

    __tablename__ = "memberships"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "assembly membership",
            ("participant_id", "assembly_id", "joined_at"),
            "to know which assemblies' polls and notices concern the person",
            CONSENT,
            UNTIL_ERASED,
            AGGREGATES,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset()

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProfileAnswer(Base):
    """One answer to an assembly's registration profile; ``option_key`` is "" for "prefer not to say"."""

    __tablename__ = "profile_answers"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "profile answers",
            ("participant_id", "assembly_id", "question_key", "option_key"),
            "to break results down and address notices to a part of the members",
            CONSENT + "; " + SPECIAL_CONSENT + " for questions marked sensitive",
            UNTIL_ERASED + "; a sensitive answer at once when its consent is withdrawn",
            AGGREGATES,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset()

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), primary_key=True)
    question_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    option_key: Mapped[str] = mapped_column(String(64))


class Poll(Base):
    """A poll of an assembly: draft, then open, then closed.

    ``revision`` grows with every change to the poll or its questions and options, so that a
    process that keeps the poll's definition in memory knows when to read it again.

    ``opens_at`` and ``closes_at`` are the times the scheduler opens and closes it, if set; a
    reminder goes to members who have not answered ``remind_before_minutes`` before it closes
    (``reminded_at`` records that it went).
    """

    __tablename__ = "polls"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "assembly_id",
            "slug",
            "title",
            "status",
            "created_at",
            "opened_at",
            "closed_at",
            "opens_at",
            "closes_at",
            "remind_before_minutes",
            "reminded_at",
            "revision",
        }
    )
    __table_args__ = (UniqueConstraint("assembly_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"))
    slug: Mapped[str] = mapped_column(String(64))
    title: Mapped[dict[str, str]]
    status: Mapped[str] = mapped_column(String(16), default=PollStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    remind_before_minutes: Mapped[int] = mapped_column(
        default=DEFAULT_REMIND_BEFORE_MINUTES, server_default=str(DEFAULT_REMIND_BEFORE_MINUTES)
    )
    reminded_at: Mapped[datetime | None]
    # One more at every change to the poll, its questions or options (``storage.poll_cache``).
    revision: Mapped[int] = mapped_column(default=1, server_default="1")

    questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Question(Base):
    """One question of a poll; its kind is single, multi, scale, yesno, text or number."""

    __tablename__ = "questions"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "poll_id", "position", "kind", "text", "min_value", "max_value"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[dict[str, str]]
    min_value: Mapped[int | None]
    max_value: Mapped[int | None]

    options: Mapped[list[Option]] = relationship(
        order_by="Option.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Option(Base):
    """One option of a single- or multiple-choice question."""

    __tablename__ = "options"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "question_id", "position", "text"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    text: Mapped[dict[str, str]]


class Response(Base):
    """One participant's response to one poll; after /forget ``participant_id`` is empty."""

    __tablename__ = "responses"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "poll responses",
            ("participant_id", "language", "started_at", "completed_at"),
            "to count answers and let the person change them while the poll is open",
            CONSENT,
            "linked to the person until erased; afterwards kept unlinked (anonymous) in the totals",
            AGGREGATES,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"id", "poll_id"})
    __table_args__ = (UniqueConstraint("poll_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL")
    )
    language: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class Answer(Base):
    """The answer of one response to one question (several rows for a multiple choice).

    ``slot`` tells the rows of one question apart: 0 for every kind with one value, the
    option's id for a multiple choice. The unique index on response, question and slot makes
    a doubled answer impossible, whatever two turns of one person do at the same time.
    """

    __tablename__ = "answers"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "poll answers",
            ("option_id", "value_int", "value_text", "answered_at"),
            "to count the answers; free text is read by the municipality, scrubbed",
            CONSENT,
            "linked to the person through their response until erased; then anonymous",
            AGGREGATES + "; free-text answers scrubbed of numbers and addresses",
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "response_id", "question_id", "slot"}
    )
    # Poll results count answers by question and option (or value) in this index's order,
    # reading the response from it too (``storage.tallies``): no sort, no table read.
    __table_args__ = (
        Index("ix_answers_tally", "question_id", "option_id", "value_int", "response_id"),
        Index("uq_answers_one_value", "response_id", "question_id", "slot", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    option_id: Mapped[int | None] = mapped_column(ForeignKey("options.id"))
    slot: Mapped[int] = mapped_column(default=0, server_default="0")
    value_int: Mapped[int | None]
    value_text: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)


class Feedback(Base):
    """Free text a participant sent to an assembly; erased with the person on /forget."""

    __tablename__ = "feedback"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "feedback",
            ("participant_id", "language", "text", "created_at", "redacted_at"),
            "to let the municipality read what people write to the assembly",
            CONSENT,
            "{feedback_months} months, or until the person is erased",
            "the municipality, scrubbed of numbers and addresses, without the author",
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"id", "assembly_id"})

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Staff removed the text (it could identify someone): ``text`` is empty from then on.
    redacted_at: Mapped[datetime | None]


class InboundMessage(Base):
    """The channel's id of every inbound message handled, so a redelivery is handled once."""

    __tablename__ = "inbound_messages"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "inbound message keys",
            ("external_id", "received_at"),
            "to handle a message the channel delivers twice only once",
            LEGITIMATE,
            "{message_key_days} days",
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"channel"})

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notice(Base):
    """A message for many members: a facilitator's notice, a poll invitation, reminder or results.

    ``text`` holds the message per language; ``audience`` the segment it was sent to (languages
    and profile answers, empty for the whole assembly). Its recipients are outbox rows, written
    in the same transaction as the notice is queued.
    """

    __tablename__ = "notices"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "notice author",
            ("created_by",),
            "to limit and account for what each facilitator sends",
            STAFF_DUTY,
            "while the notice is kept",
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "assembly_id",
            "kind",
            "poll_id",
            "text",
            "audience",
            "urgent",
            "send_at",
            "status",
            "created_at",
            "queued_at",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assembly_id: Mapped[int] = mapped_column(ForeignKey("assemblies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="notice")
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id"))
    text: Mapped[dict[str, str]]
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    urgent: Mapped[bool] = mapped_column(default=False)
    send_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.DRAFT)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """One recipient of a notice, and what became of sending it to them.

    ``status``: pending → sending (claimed by the dispatcher, the request under way) → sent,
    failed (gave up after the allowed attempts), blocked (the person blocked the bot or left),
    skipped (the person opted out before it went) or unconfirmed (the dispatcher stopped while
    the request was under way: it may have arrived, so it is never sent again). A person who
    erases themselves takes their rows with them; once the municipality's ``outbox_days`` have
    passed, a settled row loses its recipient (``participant_id`` and ``external_id`` empty)
    and only counts.

    ``delivery_status`` is what the channel reported afterwards, for channels that report it
    (WhatsApp's status callbacks: queued, sending, sent, delivered, read, failed, undelivered;
    it never goes backwards); ``delivered_at`` is when it was first known to have arrived.
    """

    __tablename__ = "outbox"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "notice recipients",
            ("participant_id", "external_id"),
            "to send each notice once and report its delivery",
            CONSENT,
            "{outbox_days} days, then only the counts stay",
            CARRIERS,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "notice_id",
            "channel",
            "language",
            "priority",
            "status",
            "attempts",
            "not_before",
            "claimed_at",
            "sent_at",
            "error",
            "delivery_status",
            "delivered_at",
        }
    )
    __table_args__ = (
        UniqueConstraint("notice_id", "participant_id"),
        Index("ix_outbox_due", "channel", "status", "priority", "not_before"),
        Index("ix_outbox_external_id", "external_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    priority: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    external_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(String(200))
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivered_at: Mapped[datetime | None]


class MunicipalUnion(Base):
    """A union of municipalities: a regional one (Marmara, Çukurova) or the national one.

    Its members (``union_members``) are municipalities and, for the national union, regional
    unions; its digest sets them side by side. ``suppression_k`` is the union's own threshold:
    a roll-up uses the highest of it and every member municipality's.
    """

    __tablename__ = "unions"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "slug", "name", "level", "timezone", "suppression_k", "created_at"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[dict[str, str]]
    level: Mapped[str] = mapped_column(String(16), default="regional")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Istanbul")
    suppression_k: Mapped[int] = mapped_column(default=DEFAULT_SUPPRESSION_K)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnionMember(Base):
    """One member of a union: a municipality or (in the national union) another union."""

    __tablename__ = "union_members"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "union_id", "municipality_id", "member_union_id"}
    )
    __table_args__ = (
        UniqueConstraint("union_id", "municipality_id", name="uq_union_members_municipality"),
        UniqueConstraint("union_id", "member_union_id", name="uq_union_members_member_union"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    union_id: Mapped[int] = mapped_column(ForeignKey("unions.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    member_union_id: Mapped[int | None] = mapped_column(ForeignKey("unions.id", ondelete="CASCADE"))


class DigestSetting(Base):
    """How a municipality's or a union's digest goes out: when, in which language, to whom.

    Exactly one of ``municipality_id`` and ``union_id`` is set. ``frequency`` is off, daily
    or weekly; it goes at ``send_time`` (HH:MM, the subject's time zone), weekly on
    ``weekday`` (0 is Monday), and covers the whole local days before that day.
    """

    __tablename__ = "digest_settings"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "municipality_id",
            "union_id",
            "frequency",
            "weekday",
            "send_time",
            "language",
            "updated_at",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), unique=True
    )
    union_id: Mapped[int | None] = mapped_column(
        ForeignKey("unions.id", ondelete="CASCADE"), unique=True
    )
    frequency: Mapped[str] = mapped_column(String(8), default="off")
    weekday: Mapped[int] = mapped_column(default=0)
    send_time: Mapped[str] = mapped_column(String(5), default="08:00")
    language: Mapped[str] = mapped_column(String(8), default="tr")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    recipients: Mapped[list[DigestRecipient]] = relationship(
        order_by="DigestRecipient.id", cascade="all, delete-orphan", lazy="selectin"
    )


class DigestRecipient(Base):
    """Where a digest goes: a Telegram chat or group id, or an e-mail address (kept encrypted)."""

    __tablename__ = "digest_recipients"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "digest recipients",
            ("address_hash", "address_enc"),
            "to send the digests to the municipality's and unions' teams",
            STAFF_DUTY,
            "while they are recipients (reslog digest-settings --remove-email)",
            "the e-mail provider or Telegram",
            ENCRYPTED + "; look-up by " + KEYED_HASH,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "setting_id", "kind", "created_at"}
    )
    __table_args__ = (UniqueConstraint("setting_id", "kind", "address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(
        ForeignKey("digest_settings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64))
    address_enc: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DigestRun(Base):
    """One digest of one subject for one period; unique, so no period is ever sent twice.

    ``status``: sending (under way, or waiting to retry a recipient), sent (to every
    recipient), partly sent (some failed), failed (none reached). ``--out`` records no run.
    """

    __tablename__ = "digest_runs"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "setting_id",
            "period_start",
            "period_end",
            "trigger",
            "status",
            "started_at",
            "finished_at",
        }
    )
    __table_args__ = (UniqueConstraint("setting_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    setting_id: Mapped[int] = mapped_column(
        ForeignKey("digest_settings.id", ondelete="CASCADE"), index=True
    )
    period_start: Mapped[datetime]
    period_end: Mapped[datetime]
    trigger: Mapped[str] = mapped_column(String(16), default="schedule")
    status: Mapped[str] = mapped_column(String(16), default="sending")
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class DigestDelivery(Base):
    """What became of one digest run for one recipient.

    ``status``: sending (claimed, under way), sent, retry (the server could not be reached:
    tried again from ``not_before``), failed (``error`` says why), unconfirmed (the process
    stopped while it was under way: it may have arrived, so it is never resent).
    """

    __tablename__ = "digest_deliveries"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "digest deliveries",
            ("address_hash",),
            "to send each digest once to each recipient",
            STAFF_DUTY,
            "while the digest run is kept",
            NOBODY,
            KEYED_HASH,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "run_id",
            "recipient_id",
            "kind",
            "status",
            "attempts",
            "not_before",
            "error",
            "sent_at",
        }
    )
    __table_args__ = (UniqueConstraint("run_id", "kind", "address_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("digest_runs.id", ondelete="CASCADE"), index=True
    )
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_recipients.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="sending")
    attempts: Mapped[int] = mapped_column(default=1)
    not_before: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]


class PublishedFigures(Base):
    """Figures that have left the system for one subject: a poll's results, or one period's
    digest of a municipality or union in every language.

    ``subject`` names it (``poll 12``, ``digest 3 2026-11-23T21:00/2026-11-30T21:00``). ``k`` is
    the K they were first published at: every later output shows them at that K only, so that
    two thresholds cannot be differenced. ``figures`` holds the display strings once they are
    fixed (a closed poll's results at closing, a digest when first printed or sent); every
    later output shows exactly these, whoever joins or is erased afterwards.
    """

    __tablename__ = "published_figures"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "subject",
            "poll_id",
            "setting_id",
            "k",
            "figures",
            "first_published_at",
            "frozen_at",
        }
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), unique=True)
    poll_id: Mapped[int | None] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"))
    setting_id: Mapped[int | None] = mapped_column(
        ForeignKey("digest_settings.id", ondelete="CASCADE")
    )
    k: Mapped[int]
    figures: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    first_published_at: Mapped[datetime] = mapped_column(default=utcnow)
    frozen_at: Mapped[datetime | None]


class Publication(Base):
    """One time published figures left the system: to whom (``audience``) and when."""

    __tablename__ = "publications"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "publication log",
            ("audience",),
            "to account for who was shown which figures (staff by row id)",
            LEGITIMATE,
            "while the figures are kept",
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"id", "figures_id", "published_at"})

    id: Mapped[int] = mapped_column(primary_key=True)
    figures_id: Mapped[int] = mapped_column(
        ForeignKey("published_figures.id", ondelete="CASCADE"), index=True
    )
    audience: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class RetentionRun(Base):
    """One run of the purge (``handlers.retention``): by the worker's schedule or a command."""

    __tablename__ = "retention_runs"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "trigger", "started_at", "finished_at"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]


class Destruction(Base):
    """One destruction of personal data: when, what, how many records, why, by which run (if
    any), for which municipality (if one); never whose. Kept three years."""

    __tablename__ = "destructions"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"id", "destroyed_at", "municipality_id", "category", "reason", "records", "run_id"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    destroyed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id", ondelete="SET NULL")
    )
    category: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(String(32))
    records: Mapped[int]
    run_id: Mapped[int | None] = mapped_column(ForeignKey("retention_runs.id", ondelete="SET NULL"))


class ErasedAddress(Base):
    """The keyed hash of an erased person's address (never the address), and when they were
    erased: kept as long as backups are, so a restored backup cannot bring them back."""

    __tablename__ = "erased_addresses"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "erased addresses",
            ("channel", "address_hash", "erased_at"),
            "to erase again anyone a restored backup brings back",
            LEGAL_OBLIGATION,
            "BACKUP_KEEP_DAYS days (as long as backups are kept)",
            NOBODY,
            KEYED_HASH,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset()

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    erased_at: Mapped[datetime]


class PrivacyNotice(Base):
    """One version of a municipality's data-protection notice, as activated: the figures it
    states (``stated``: contact, retention periods, K) and the code's wording it was shown in."""

    __tablename__ = "privacy_notices"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = ()
    __not_personal__: ClassVar[frozenset[str]] = frozenset(
        {"municipality_id", "version", "wording", "stated", "activated_at"}
    )

    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(primary_key=True)
    wording: Mapped[str] = mapped_column(String(16))
    stated: Mapped[dict[str, Any]] = mapped_column(JSON)
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """Where a person's consents to one municipality stand: taking part (given on the notice
    version and wording recorded), and the optional consent to its sensitive profile questions
    (``sensitive``: None not asked yet, True given, False declined or withdrawn)."""

    __tablename__ = "consents"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "consents",
            (
                "participant_id",
                "notice_version",
                "wording",
                "given_at",
                "sensitive",
                "sensitive_at",
            ),
            "to know which consents stand, and prove them",
            LEGAL_OBLIGATION,
            UNTIL_ERASED,
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"municipality_id"})

    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), primary_key=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE"), primary_key=True
    )
    notice_version: Mapped[int]
    wording: Mapped[str] = mapped_column(String(16))
    given_at: Mapped[datetime]
    sensitive: Mapped[bool | None]
    sensitive_at: Mapped[datetime | None]


class ConsentRecord(Base):
    """Every consent declaration, as made: which, given or not, when, on which notice version
    and wording. Kept as long as the person is; erased with them."""

    __tablename__ = "consent_records"
    __personal_data__: ClassVar[tuple[PersonalData, ...]] = (
        PersonalData(
            "consent declarations",
            ("participant_id", "given", "notice_version", "wording", "recorded_at"),
            "to prove each consent given, declined or withdrawn",
            LEGAL_OBLIGATION,
            UNTIL_ERASED,
            NOBODY,
        ),
    )
    __not_personal__: ClassVar[frozenset[str]] = frozenset({"id", "municipality_id", "kind"})

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    municipality_id: Mapped[int] = mapped_column(
        ForeignKey("municipalities.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    given: Mapped[bool]
    notice_version: Mapped[int]
    wording: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
