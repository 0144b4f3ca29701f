"""Notifications: what happened, told to the people it concerns, in the app and by mail."""
