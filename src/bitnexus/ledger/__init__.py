"""The verifiable ledger: double-entry postings sealed into an RFC 6962 Merkle log."""
