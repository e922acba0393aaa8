"""Fake outside services for tests, served over real HTTP on loopback."""
