"""Retention: each municipality's periods, and the purge that warns, erases and logs by them."""
