"""`bitnexus_ops_metrics()` (migration 0038): the one door through which a scrape reads across
organisations. It runs as the runtime role with no tenant set, returns only the metrics the
collector knows, labelled by nothing but an organisation's id or a consumer's name, and nobody
but the runtime role may call it."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bitnexus.core.metrics.collector import DATABASE_FAMILIES


def test_it_returns_aggregates_labelled_by_ids_only(
    app_engine: Engine, owner_engine: Engine
) -> None:
    # given what may label a row
    with owner_engine.connect() as conn:
        tenants = {str(t) for t in conn.execute(text("SELECT id FROM tenants")).scalars()}
        consumers = set(conn.execute(text("SELECT name FROM consumer_watermarks")).scalars())

    # when the runtime role calls it outside any tenant (as a scrape does)
    with app_engine.connect() as conn:
        rows = conn.execute(text("SELECT metric, label, value FROM bitnexus_ops_metrics()")).all()

    # then: known metrics, and each label an organisation's id, a consumer or none
    assert rows
    for metric, label, value in rows:
        assert metric in DATABASE_FAMILIES, metric
        kind = DATABASE_FAMILIES[metric][2]
        if kind == "tenant_id":
            assert str(uuid.UUID(label)) in tenants
        elif kind == "consumer":
            assert label in consumers
        else:
            assert label is None
        assert isinstance(value, float)


def test_only_the_runtime_role_may_call_it(owner_engine: Engine) -> None:
    with owner_engine.connect() as conn:
        grantees = set(
            conn.execute(
                text(
                    "SELECT coalesce(r.rolname, 'PUBLIC') FROM pg_proc p"
                    " CROSS JOIN aclexplode(p.proacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee"
                    " WHERE p.proname = 'bitnexus_ops_metrics' AND a.privilege_type = 'EXECUTE'"
                )
            ).scalars()
        )
        config = conn.execute(
            text("SELECT proconfig FROM pg_proc WHERE proname = 'bitnexus_ops_metrics'")
        ).scalar_one()
        owner = conn.execute(text("SELECT current_user")).scalar_one()
    assert "PUBLIC" not in grantees
    assert grantees <= {"bitnexus_app", owner}
    assert "bitnexus_app" in grantees
    assert config == ["search_path=pg_catalog, public"]
