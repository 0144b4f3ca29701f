"""Outgoing webhooks: endpoints that organisations and vendors register, signed deliveries."""
