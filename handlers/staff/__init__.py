"""Staff in chat: the desk of commands, invitations to a staff role, and the staff conversation's buttons and /cancel."""
