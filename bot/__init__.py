"""Wiring and the outside world: settings, command line, channels, web server."""
