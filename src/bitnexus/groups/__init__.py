"""Affiliate groups: named sets of affiliates with their own commission rule and payout terms."""
