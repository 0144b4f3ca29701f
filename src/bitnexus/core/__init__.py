"""Shared plumbing: configuration, database, errors, security, logging. No business rules."""
