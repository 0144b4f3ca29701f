"""Tenants: organisations running their own branded affiliate programme."""
