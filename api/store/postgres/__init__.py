"""The PostgreSQL backend: its dialect and backups."""
