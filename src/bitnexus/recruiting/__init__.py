"""Recruiting: the join page's terms and questions, applications to join, and their review."""
