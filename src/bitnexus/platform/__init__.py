"""The platform admin's view across tenants: one narrow, audited path around RLS."""
