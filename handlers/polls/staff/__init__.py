"""Facilitators' poll commands in chat: pick, build, upload, schedule, open and close."""
