"""Prometheus metrics: the families every process writes, the scrape-time collector, and the
exposition at `/metrics` (docs/operations.md)."""
