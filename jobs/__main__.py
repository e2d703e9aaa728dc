"""The operator's CLI, `prompt-store`: a thin layer over the store."""

from .cli import main

main(prog_name="prompt-store")
