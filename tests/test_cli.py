"""The `bitnexus` command line, run as a user runs it (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import psycopg
import pytest

from bitnexus.core.config import Settings
from bitnexus.core.dburl import DatabaseUrls, libpq
from tests.conftest import launch_server

BIN = Path(sys.executable).with_name("bitnexus")


def _run(
    settings: Settings, *args: str, input_: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "BITNEXUS_DATA_DIR": str(settings.data_dir),
        "BITNEXUS_SECRET_KEY": settings.secret,
        "BITNEXUS_LOG_FORMAT": "json",
    }
    return subprocess.run(
        [str(BIN), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=input_,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    ["serve", "migrate", "demo", "create-platform-admin", "db-url", "backup", "restore"],
)
def test_every_command_explains_itself(settings: Settings, command: str) -> None:
    out = _run(settings, command, "--help")
    assert out.returncode == 0
    assert "Usage" in out.stdout
    assert len(out.stdout.splitlines()) > 3


def test_db_url_prints_a_working_owner_url(settings: Settings, db_urls: DatabaseUrls) -> None:
    out = _run(settings, "db-url")
    assert out.returncode == 0, out.stderr
    with psycopg.connect(out.stdout.strip()) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
    assert row == ("bitnexus_owner", "bitnexus")


Ran = subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo_twice(settings: Settings, db_urls: DatabaseUrls) -> tuple[Ran, Ran]:
    """`bitnexus demo`, run twice: the second run must find everything in place."""
    return _run(settings, "demo"), _run(settings, "demo")


def _acme(db_urls: DatabaseUrls, sql: str) -> list[tuple[object, ...]]:
    """Rows of `sql` (about the demo's organisation, slug 'acme') as the owner role."""
    with psycopg.connect(libpq(db_urls.owner)) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def test_demo_is_idempotent(demo_twice: tuple[Ran, Ran]) -> None:
    first, second = demo_twice

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "admin@acme.example" in second.stderr
    assert "Acme" not in second.stdout


def test_the_demo_ledger_is_written_once_in_one_signed_block(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls, settings: Settings
) -> None:
    # seven attributed sales, three maturings, three refunds, a payout reserved and paid; a
    # subscription's first payment and four renewals (four of them matured), and a lead
    counts = _acme(
        db_urls,
        "SELECT (SELECT count(*) FROM ledger_transactions WHERE tenant_id = t.id),"
        " (SELECT count(*) FROM ledger_blocks WHERE tenant_id = t.id)"
        " FROM tenants t WHERE slug = 'acme'",
    )
    verified = _run(settings, "ledger", "verify", "--tenant", "acme")

    assert counts == [(25, 1)]
    assert verified.returncode == 0, verified.stderr


def test_the_demo_has_applications_pending_and_one_rejected(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    applications = _acme(
        db_urls,
        "SELECT a.status, count(*), min(a.terms_version) FROM recruiting_applications a"
        " JOIN tenants t ON t.id = a.tenant_id WHERE t.slug = 'acme'"
        " GROUP BY a.status ORDER BY a.status",
    )

    assert applications == [("pending", 3, 1), ("rejected", 1, 1)]


def test_the_demo_has_two_groups_with_a_member_each_moved_after_the_sales(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    groups = _acme(
        db_urls,
        "SELECT g.name, g.commission_bps, u.email FROM affiliate_groups g"
        " JOIN tenants t ON t.id = g.tenant_id AND t.slug = 'acme'"
        " JOIN affiliate_group_members m ON m.group_id = g.id JOIN users u ON u.id = m.affiliate_id"
        " ORDER BY g.name",
    )
    by_group_rule = _acme(
        db_urls,
        "SELECT count(*) FROM conversions c JOIN tenants t ON t.id = c.tenant_id"
        " WHERE t.slug = 'acme' AND c.group_id IS NOT NULL",
    )

    assert groups == [
        ("Content creators", 1_500, "affiliate3@acme.example"),
        ("VIP partners", 3_000, "affiliate1@acme.example"),
    ]
    assert by_group_rule == [(0,)]  # every demo sale was recorded before the moves


def test_the_demo_shows_a_subscription_with_renewals_and_a_lead(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    sales = _acme(
        db_urls,
        "SELECT c.kind, c.renewal, c.attribution FROM conversions c"
        " JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme'"
        " AND (c.subscription_ref IS NOT NULL OR c.kind = 'lead') ORDER BY c.kind DESC, c.renewal",
    )

    assert sales == [
        ("sale", 0, "coupon"),
        *[("sale", n, "renewal") for n in range(1, 5)],
        ("lead", None, "coupon"),
    ]


def test_the_demo_catalog_is_written_once(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    catalog = _acme(
        db_urls,
        "SELECT p.status, p.grade, (SELECT count(*) FROM product_images i WHERE i.product_id = p.id)"
        " FROM products p JOIN tenants t ON t.id = p.tenant_id WHERE t.slug = 'acme'"
        " ORDER BY p.created_at",
    )

    # the newest products show every grade, one waiting, one rejected, each with its image
    assert [(status, grade) for status, grade, _ in catalog[-6:]] == [
        ("approved", "S"),
        ("approved", "A"),
        ("approved", "B"),
        ("approved", "C"),
        ("pending", None),
        ("rejected", "F"),
    ]
    assert {images for _, _, images in catalog} == {1}


def test_the_demo_catalogue_spans_organisations_and_categories(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    per_org = _acme(
        db_urls,
        "SELECT t.slug, count(*), count(DISTINCT p.category) FROM products p"
        " JOIN tenants t ON t.id = p.tenant_id WHERE t.slug IN ('acme', 'globex')"
        " AND p.status = 'approved' GROUP BY t.slug ORDER BY t.slug",
    )

    # enough approved products, in enough categories, for search to show what it does
    assert [slug for slug, _, _ in per_org] == ["acme", "globex"]
    assert sum(int(n) for _, n, _ in per_org) >= 60  # type: ignore[call-overload]
    assert all(int(kinds) >= 8 for _, _, kinds in per_org)  # type: ignore[call-overload]


def test_the_demo_clicks_are_recorded_once(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    counts = _acme(
        db_urls,
        "SELECT (SELECT count(*) FROM links l WHERE l.tenant_id = t.id),"
        " (SELECT count(*) FROM clicks c WHERE c.tenant_id = t.id),"
        " (SELECT count(*) FROM clicks c WHERE c.tenant_id = t.id AND c.is_bot)"
        " FROM tenants t WHERE slug = 'acme'",
    )

    # affiliate1's two links, with clicks recorded as the redirect records them
    assert counts == [(2, 14, 3)]  # links, clicks, of which bots


def test_the_demo_has_sales_in_every_state_with_their_money_on_the_ledger(
    demo_twice: tuple[Ran, Ran], db_urls: DatabaseUrls
) -> None:
    sales = _acme(
        db_urls,
        "SELECT c.order_id, c.state, c.refunded_minor > 0, c.attribution FROM conversions c"
        " JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = 'acme' AND c.kind = 'sale'"
        " AND c.subscription_ref IS NULL ORDER BY c.order_id",
    )
    shares = _acme(  # of the one-off sales (the subscription's are another test's)
        db_urls,
        "SELECT k.state, count(*) FROM commissions k JOIN tenants t ON t.id = k.tenant_id"
        " JOIN conversions c ON c.id = k.conversion_id WHERE t.slug = 'acme'"
        " AND c.kind = 'sale' AND c.subscription_ref IS NULL"
        " AND k.kind <> 'platform_fee' GROUP BY k.state ORDER BY 1",
    )
    payouts = _acme(
        db_urls,
        "SELECT u.email, i.status FROM payout_items i JOIN users u ON u.id = i.affiliate_id"
        " JOIN tenants t ON t.id = i.tenant_id WHERE t.slug = 'acme'",
    )

    assert sales == [
        ("A-1001", "pending", False, "click"),
        ("A-1002", "pending", True, "click"),
        ("A-1003", "refunded", True, "click"),
        ("A-1004", "matured", False, "coupon"),
        ("A-1005", "refunded", True, "coupon"),
        ("A-1006", "unattributed", False, "none"),
        ("A-1007", "held", False, "click"),
        ("A-1008", "matured", False, "coupon"),
    ]
    assert dict(shares) == {"available": 4, "held": 1, "pending": 2, "reversed": 3}  # type: ignore[arg-type]
    assert payouts == [("affiliate2@acme.example", "paid")]


def test_create_platform_admin_refuses_weak_password(
    settings: Settings, db_urls: DatabaseUrls
) -> None:
    out = _run(
        settings,
        "create-platform-admin",
        "--email",
        "ops@example.com",
        "--name",
        "Ops",
        "--password",
        "password",
    )
    assert out.returncode == 2
    assert "password" in out.stderr


def test_create_platform_admin(settings: Settings, db_urls: DatabaseUrls) -> None:
    out = _run(
        settings,
        "create-platform-admin",
        "--email",
        "ops2@example.com",
        "--name",
        "Ops",
        "--password",
        "glacier-trombone-velvet-26",
    )
    assert out.returncode == 0, out.stderr
    assert "created" in out.stderr


def _children(pid: int) -> list[str]:
    """The command lines of `pid`'s child processes."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.append((stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (OSError, IndexError, ValueError):
            continue
    return found


def test_serve_shares_its_port_between_worker_processes(
    settings: Settings, db_urls: DatabaseUrls
) -> None:
    proc, url = launch_server(settings, "--workers", "2")
    try:
        workers = [c for c in _children(proc.pid) if "spawn_main" in c]
        assert len(workers) == 2, workers
        answers = [httpx.get(f"{url}/readyz", timeout=10).status_code for _ in range(20)]
        assert answers == [200] * 20
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert _children(proc.pid) == []  # the workers stopped with it
