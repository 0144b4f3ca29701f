"""platform activity: every organisation's size and activity over a range, and the platform's
day by day, for the platform admin alone

Two SECURITY DEFINER functions extend the one narrow path around row security of migration
0001: each checks that its caller is an active platform admin in the platform's own tenant and
writes an audit entry before it reads across tenants. Clicks are human clicks (no bot rule
matched): hours already rolled up are read from `click_hours`, later ones from `clicks`, as the
dashboards do. Money is per currency: sales, the commissions earned on them (affiliates and
their uplines), and the platform's fees; what refunds took back is subtracted.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Human clicks per tenant and UTC day in [p_from, p_to): rolled-up hours, then raw clicks.
_CLICKS = """
    SELECT ch.tenant_id, date_trunc('day', ch.hour) AS day, sum(ch.clicks) AS n
    FROM public.click_hours ch JOIN public.click_rollups r ON r.tenant_id = ch.tenant_id
    WHERE ch.hour >= p_from AND ch.hour < p_to AND ch.hour < r.rolled_until
    GROUP BY 1, 2
    UNION ALL
    SELECT c.tenant_id, date_trunc('day', c.created_at), count(*)
    FROM public.clicks c LEFT JOIN public.click_rollups r ON r.tenant_id = c.tenant_id
    WHERE NOT c.is_bot AND c.created_at < p_to
      AND c.created_at >= greatest(p_from, coalesce(r.rolled_until, '-infinity'))
    GROUP BY 1, 2
"""

ACTIVITY = f"""
CREATE FUNCTION bitnexus_platform_activity(p_actor uuid, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (id uuid, slug text, name text, status text, created_at timestamptz,
               users bigint, new_users bigint, affiliates bigint, vendors bigint,
               products bigint, new_products bigint, clicks bigint, sales bigint, money jsonb)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET timezone = 'UTC'
AS $$
#variable_conflict use_column
BEGIN
    PERFORM public.bitnexus_assert_platform_admin(p_actor);
    INSERT INTO public.platform_audit_log (actor_user_id, action)
    VALUES (p_actor, 'platform_activity');
    RETURN QUERY
    WITH people AS (
        SELECT u.tenant_id, count(*) AS users,
               count(*) FILTER (WHERE u.created_at >= p_from AND u.created_at < p_to) AS new_users,
               count(*) FILTER (WHERE u.role = 'affiliate') AS affiliates,
               count(*) FILTER (WHERE u.role = 'vendor') AS vendors
        FROM public.users u GROUP BY u.tenant_id
    ), offers AS (
        SELECT p.tenant_id, count(*) FILTER (WHERE p.status = 'approved') AS products,
               count(*) FILTER (WHERE p.submitted_at >= p_from AND p.submitted_at < p_to)
                   AS new_products
        FROM public.products p GROUP BY p.tenant_id
    ), clicked AS (
        SELECT k.tenant_id, sum(k.n)::bigint AS clicks FROM ({_CLICKS}) k GROUP BY k.tenant_id
    ), sold AS (
        SELECT v.tenant_id, count(*) AS sales FROM public.conversions v
        WHERE v.created_at >= p_from AND v.created_at < p_to GROUP BY v.tenant_id
    ), by_currency AS (
        SELECT v.tenant_id, v.currency, sum(v.amount_minor - v.refunded_minor) AS sales_minor,
               0::numeric AS commissions_minor, 0::numeric AS fees_minor
        FROM public.conversions v
        WHERE v.created_at >= p_from AND v.created_at < p_to GROUP BY 1, 2
        UNION ALL
        SELECT s.tenant_id, s.currency, 0,
               sum(s.amount_minor - s.reversed_minor) FILTER (WHERE s.kind <> 'platform_fee'),
               sum(s.amount_minor - s.reversed_minor) FILTER (WHERE s.kind = 'platform_fee')
        FROM public.commissions s
        WHERE s.created_at >= p_from AND s.created_at < p_to GROUP BY 1, 2
    ), money AS (
        SELECT m.tenant_id, jsonb_agg(jsonb_build_object(
                   'currency', m.currency, 'sales_minor', m.sales_minor,
                   'commissions_minor', m.commissions_minor, 'fees_minor', m.fees_minor)
                   ORDER BY m.currency) AS money
        FROM (SELECT b.tenant_id, b.currency, sum(b.sales_minor)::bigint AS sales_minor,
                     coalesce(sum(b.commissions_minor), 0)::bigint AS commissions_minor,
                     coalesce(sum(b.fees_minor), 0)::bigint AS fees_minor
              FROM by_currency b GROUP BY 1, 2) m
        GROUP BY m.tenant_id
    )
    SELECT t.id, t.slug::text, t.name::text, t.status::text, t.created_at,
           coalesce(pe.users, 0), coalesce(pe.new_users, 0), coalesce(pe.affiliates, 0),
           coalesce(pe.vendors, 0), coalesce(o.products, 0), coalesce(o.new_products, 0),
           coalesce(c.clicks, 0), coalesce(s.sales, 0), coalesce(m.money, '[]'::jsonb)
    FROM public.tenants t
    LEFT JOIN people pe ON pe.tenant_id = t.id
    LEFT JOIN offers o ON o.tenant_id = t.id
    LEFT JOIN clicked c ON c.tenant_id = t.id
    LEFT JOIN sold s ON s.tenant_id = t.id
    LEFT JOIN money m ON m.tenant_id = t.id
    WHERE NOT t.is_platform AND t.created_at < p_to
    ORDER BY t.created_at, t.id;
END
$$
"""

DAILY = f"""
CREATE FUNCTION bitnexus_platform_daily(p_actor uuid, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (day date, new_organisations bigint, new_users bigint, clicks bigint,
               sales bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public SET timezone = 'UTC'
AS $$
#variable_conflict use_column
BEGIN
    PERFORM public.bitnexus_assert_platform_admin(p_actor);
    INSERT INTO public.platform_audit_log (actor_user_id, action)
    VALUES (p_actor, 'platform_daily');
    RETURN QUERY
    WITH days AS (
        SELECT generate_series(date_trunc('day', p_from), p_to - interval '1 microsecond',
                               interval '1 day') AS day
    ), orgs AS (
        SELECT date_trunc('day', t.created_at) AS day, count(*) AS n FROM public.tenants t
        WHERE NOT t.is_platform AND t.created_at >= p_from AND t.created_at < p_to GROUP BY 1
    ), joined AS (
        SELECT date_trunc('day', u.created_at) AS day, count(*) AS n
        FROM public.users u JOIN public.tenants t ON t.id = u.tenant_id
        WHERE NOT t.is_platform AND u.created_at >= p_from AND u.created_at < p_to GROUP BY 1
    ), clicked AS (
        SELECT k.day, sum(k.n)::bigint AS n FROM ({_CLICKS}) k GROUP BY k.day
    ), sold AS (
        SELECT date_trunc('day', v.created_at) AS day, count(*) AS n FROM public.conversions v
        WHERE v.created_at >= p_from AND v.created_at < p_to GROUP BY 1
    )
    SELECT (d.day AT TIME ZONE 'UTC')::date, coalesce(o.n, 0), coalesce(j.n, 0),
           coalesce(c.n, 0), coalesce(s.n, 0)
    FROM days d
    LEFT JOIN orgs o ON o.day = d.day
    LEFT JOIN joined j ON j.day = d.day
    LEFT JOIN clicked c ON c.day = d.day
    LEFT JOIN sold s ON s.day = d.day
    ORDER BY d.day;
END
$$
"""

FUNCTIONS = [
    "bitnexus_platform_activity(uuid, timestamptz, timestamptz)",
    "bitnexus_platform_daily(uuid, timestamptz, timestamptz)",
]


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(ACTIVITY)
    op.execute(DAILY)
    for fn in FUNCTIONS:
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
        op.execute(f'GRANT EXECUTE ON FUNCTION {fn} TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    for fn in FUNCTIONS:
        op.execute(f"DROP FUNCTION {fn}")
