"""`reslog results` and `reslog export`: aggregates only, small counts suppressed."""

from __future__ import annotations

import argparse


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the results commands."""
