"""Tests of the retention periods, the purge and the destruction log."""
