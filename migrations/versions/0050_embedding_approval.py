"""embedding approval: each product embedding carries whether its product is approved, kept in
step by triggers, so that the nearest-neighbour scan of an unfiltered search checks the flag on
the rows it reads instead of looking each candidate's product up

The scan read 50 candidates, then each one's product by primary key to check its status: at
100,000 products about 0.2–0.4 ms of a page statement of 1.5–2 ms inside PostgreSQL. Filtered
searches (category, price, commission) still read the products.

An embedding written takes its product's approval, the product row locked FOR SHARE meanwhile:
a status changed at the same time waits for the embedding's transaction, then updates the row
it wrote (and an embedding written while a status change is under way waits for it, then reads
the new status).

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a product's status changed: its embedding (if it has one yet) follows
FOLLOW_STATUS = """
CREATE FUNCTION bitnexus_embedding_follows_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    UPDATE public.product_embeddings SET approved = (NEW.status = 'approved')
    WHERE tenant_id = NEW.tenant_id AND product_id = NEW.id;
    RETURN NULL;
END
$$
"""
# an embedding written: its product's approval, read under a lock a status change waits for
TAKE_STATUS = """
CREATE FUNCTION bitnexus_embedding_takes_status() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    product_status text;
BEGIN
    SELECT p.status INTO product_status FROM public.products p
    WHERE p.tenant_id = NEW.tenant_id AND p.id = NEW.product_id
    FOR SHARE;
    NEW.approved := coalesce(product_status = 'approved', false);
    RETURN NEW;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("ALTER TABLE product_embeddings ADD COLUMN approved boolean NOT NULL DEFAULT false")
    op.execute(
        "UPDATE product_embeddings e SET approved = true FROM products p "
        "WHERE p.tenant_id = e.tenant_id AND p.id = e.product_id AND p.status = 'approved'"
    )
    for function in (FOLLOW_STATUS, TAKE_STATUS):
        op.execute(function)
    for name in ("bitnexus_embedding_follows_status", "bitnexus_embedding_takes_status"):
        op.execute(f"REVOKE ALL ON FUNCTION {name}() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER embedding_follows_status AFTER UPDATE OF status ON products "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION bitnexus_embedding_follows_status()"
    )
    op.execute(
        "CREATE TRIGGER embedding_takes_status BEFORE INSERT ON product_embeddings "
        "FOR EACH ROW EXECUTE FUNCTION bitnexus_embedding_takes_status()"
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP TRIGGER embedding_takes_status ON product_embeddings")
    op.execute("DROP TRIGGER embedding_follows_status ON products")
    op.execute("DROP FUNCTION bitnexus_embedding_takes_status()")
    op.execute("DROP FUNCTION bitnexus_embedding_follows_status()")
    op.execute("ALTER TABLE product_embeddings DROP COLUMN approved")
