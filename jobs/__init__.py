"""The operator's CLI, `prompt-store`: a thin layer over the store."""
