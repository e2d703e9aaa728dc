"""The SQLite backend: its dialect, backups, WAL scrubbing, replication."""
