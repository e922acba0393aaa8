"""The outbox's dispatcher: one leader per channel elected in the database, rate limits, retries, and the typed send errors."""
