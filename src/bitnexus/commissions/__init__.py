"""Conversions, commissions and their money on the ledger."""
