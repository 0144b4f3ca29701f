"""Commissions services: conversions (attribution and split), refunds, maturation, coupons."""
