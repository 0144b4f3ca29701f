"""Commissions services: conversions (attribution, drafts and split), the sale desk, refunds,
maturation, coupons."""
