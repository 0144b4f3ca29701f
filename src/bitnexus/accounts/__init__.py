"""Accounts: users, roles, sessions (refresh tokens), invitations and password resets."""
