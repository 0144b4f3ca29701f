"""Row-level security statements used by migrations.

Every tenant-owned table gets `FORCE ROW LEVEL SECURITY` and a policy on the transaction-local
setting `bitnexus.tenant_id`. With no tenant set the setting is empty, the comparison is NULL,
and no row is visible or writable. The owner (who runs migrations and the SECURITY DEFINER
functions of the platform path) gets a policy of its own; the runtime role never does.
"""

from __future__ import annotations

CURRENT_TENANT = "nullif(current_setting('bitnexus.tenant_id', true), '')::uuid"
# Policies compare with a scalar subquery: PostgreSQL evaluates it once per query (an InitPlan)
# instead of calling current_setting() for every row a scan filters.
TENANT_ONCE = f"(SELECT {CURRENT_TENANT})"


def tenant_rls(
    table: str,
    app_role: str,
    *,
    column: str = "tenant_id",
    grants: str = "SELECT, INSERT, UPDATE, DELETE",
) -> list[str]:
    """Statements that put `table` under tenant isolation and grant the runtime role."""
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({column} = {TENANT_ONCE}) WITH CHECK ({column} = {TENANT_ONCE})",
        f"CREATE POLICY owner_all ON {table} TO CURRENT_USER USING (true) WITH CHECK (true)",
        f'GRANT {grants} ON {table} TO "{app_role}"',
    ]


def append_only(table: str) -> list[str]:
    """Triggers that refuse UPDATE, DELETE and TRUNCATE on `table` for all but its owner.

    Needs the function `bitnexus_ledger_append_only()` of migration 0002.
    """
    return [
        f"CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION bitnexus_ledger_append_only()",
        f"CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bitnexus_ledger_append_only()",
    ]


def tenant_view(view: str, table: str, columns: list[str], app_role: str) -> list[str]:
    """Statements for a read-only view of `table`'s rows in the transaction's tenant.

    Row security hides other tenants' rows by filtering before any condition that is not
    LEAKPROOF, so such a condition (full-text `@@`, trigram `%>`) never reaches an index and
    every row of every tenant is scanned. The view reads the table as its owner (whose policy
    admits every row) and applies the tenant rule itself, as its first condition: the planner
    may then use any index. Only the runtime role's own queries go through it.
    """
    select = f"SELECT {', '.join(columns)} FROM {table} WHERE tenant_id = {TENANT_ONCE}"  # noqa: S608 (names from a migration)
    return [
        f"CREATE VIEW {view} WITH (security_invoker = false, security_barrier = false) AS {select}",
        f'GRANT SELECT ON {view} TO "{app_role}"',
    ]
