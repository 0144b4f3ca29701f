"""Account rules, split by use case: sessions, registration, users."""
