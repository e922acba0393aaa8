"""Joining and consent: the join code, the data-protection notice (versioned, per
municipality), the consent to take part, the optional consent to sensitive profile questions,
and /privacy to review and change them."""
