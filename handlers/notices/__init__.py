"""Notices: the outbox queue, quiet hours, delivery reach and /delivery."""
