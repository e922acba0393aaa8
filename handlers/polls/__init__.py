"""Polls: answering them, poll files, updates, opening and closing, schedules, invitations, reminders, previews and the results message."""
