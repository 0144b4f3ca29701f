"""Payouts: affiliates' payout methods, and batches that pay available balances."""
