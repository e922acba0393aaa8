"""Where the project is, for tests that read its files."""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
