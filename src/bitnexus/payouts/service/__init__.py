"""Payout services: methods (affiliates) and batches (admins)."""
