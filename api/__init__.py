"""prompt-store: a home for prompt text with version lineage."""
