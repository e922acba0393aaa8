"""A union's digest: its members side by side, every cell suppressed and agreeing with each member's own digest."""
