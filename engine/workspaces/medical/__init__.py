"""Medical workspace: deterministic red-flag triage layered before any model."""
