"""The data-protection notice (KVKK's aydınlatma metni) a person reads before consenting.

Its wording is the code's (``WORDING``, translated in every catalog); the figures it states
(the contact, the retention periods, K) are the municipality's as they were when its version
was activated (``privacy_notices``), or its current ones while none has been. A consent
given on another version or wording is asked again.
"""

from __future__ import annotations

from typing import Any

from handlers.i18n.core import _, format_number, isolate, localized, ngettext
from storage.models import Consent, Municipality, PrivacyNotice

WORDING = "2026-12"  # change it with the notice's wording: everyone is asked again

CARRIERS = {
    "whatsapp": "WhatsApp (Meta Platforms Ireland Ltd., Ireland) · Twilio (Twilio Inc., USA)",
    "telegram": "Telegram (Telegram FZ-LLC, United Arab Emirates)",
}


def stated_now(municipality: Municipality) -> dict[str, Any]:
    """The figures a notice activated now would state."""
    return {
        "contact": municipality.privacy_contact or "",
        "inactive_months": municipality.inactive_months,
        "feedback_months": municipality.feedback_months,
        "outbox_days": municipality.outbox_days,
        "k": municipality.suppression_k,
    }


def is_current(consent: Consent | None, municipality: Municipality) -> bool:
    """Whether a consent was given on the notice in force, in the wording in force."""
    return (
        consent is not None
        and consent.notice_version == municipality.notice_version
        and consent.wording == WORDING
    )


def notice_text(municipality: Municipality, active: PrivacyNotice | None, channel: str) -> str:
    """The notice in the current language, for a person on ``channel``."""
    stated = active.stated if active is not None else stated_now(municipality)
    version = active.version if active is not None else 0
    k = int(stated["k"])
    inactive, feedback, outbox = (
        int(stated["inactive_months"]),
        int(stated["feedback_months"]),
        int(stated["outbox_days"]),
    )
    contact = str(stated.get("contact") or "")
    parts = [
        _("Data protection notice (KVKK), version {version}").format(
            version=format_number(version)
        ),
        _("Data controller: {municipality}.").format(
            municipality=isolate(localized(municipality.name))
        ),
        _(
            "Why: to run the assembly's polls, to send you its notices and results, and to "
            "read what you write to it. Legal basis: your explicit consent, asked below "
            "(KVKK articles 5 and 6); you can withdraw it at any time."
        ),
        _(
            "What we keep: your chat id (encrypted), your language, your answers to the "
            "profile and the polls, and the messages you send."
        ),
        ngettext(
            "Who receives it: the municipality and its union of municipalities see only "
            "totals, and groups of fewer than {k} person are hidden. Messages pass through "
            "{carriers}, outside Türkiye.",
            "Who receives it: the municipality and its union of municipalities see only "
            "totals, and groups of fewer than {k} people are hidden. Messages pass through "
            "{carriers}, outside Türkiye.",
            k,
        ).format(k=format_number(k), carriers=isolate(CARRIERS.get(channel, CARRIERS["telegram"]))),
        " ".join(
            [
                ngettext(
                    "How long: if you write nothing for {count} month, you are erased, after "
                    "a warning.",
                    "How long: if you write nothing for {count} months, you are erased, after "
                    "a warning.",
                    inactive,
                ).format(count=format_number(inactive)),
                ngettext(
                    "Your messages to the assembly are deleted after {count} month.",
                    "Your messages to the assembly are deleted after {count} months.",
                    feedback,
                ).format(count=format_number(feedback)),
                ngettext(
                    "Who was sent which notice is forgotten after {count} day.",
                    "Who was sent which notice is forgotten after {count} days.",
                    outbox,
                ).format(count=format_number(outbox)),
            ]
        ),
        _(
            "Your rights (KVKK article 11): to learn what we keep (/mydata), to have it "
            "corrected or erased (/forget), to withdraw a consent (/privacy), to object, and "
            "to complain to the Personal Data Protection Authority."
        ),
    ]
    if contact:
        parts.append(_("Contact: {contact}").format(contact=isolate(contact)))
    return "\n\n".join(parts)
