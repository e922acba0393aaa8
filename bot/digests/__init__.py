"""Sending digests: one run per period, its deliveries to Telegram and e-mail, retries and the note of who was missed."""
