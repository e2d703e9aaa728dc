"""Pure functions of prompt text: the template reader, its interface, diffs."""
