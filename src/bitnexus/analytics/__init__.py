"""Dashboards: clicks, conversions and earnings over a date range, for each role."""
