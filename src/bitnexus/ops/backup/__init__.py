"""Backups and point-in-time recovery of the embedded PostgreSQL (docs/backup.md): base backups,
the WAL archive, retention, status and restore."""
