"""`reslog doctor`: one line per check of a deployment, ✓ or ✗ with what to do."""
