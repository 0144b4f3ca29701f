"""BitNexus: a multi-tenant affiliate marketplace with a verifiable commission ledger."""

__version__ = "0.1.0"
