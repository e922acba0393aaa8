"""The conversation core: channel-agnostic, no I/O but the storage session it is given."""
