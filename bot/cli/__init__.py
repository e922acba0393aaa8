"""The `reslog` command line, one module per group of commands."""
