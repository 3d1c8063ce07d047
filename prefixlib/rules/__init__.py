"""Rule families, one module each (SPEC.md 3-5)."""
