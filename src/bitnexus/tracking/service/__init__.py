"""Tracking: links (and, next, the redirect and its clicks)."""
