"""Facilitators' /notice: composing a notice and confirming it."""
