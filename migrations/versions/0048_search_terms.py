"""search terms: each approved product's full-text words with their weight in its ts_rank, in
an index ordered by that weight, so a keyword search ranks the best few of each word's products
instead of every product the words match

`ts_rank` of a document for words joined by OR is the mean, over the query's distinct words, of
a share that depends only on where and how often that word stands in the document:
`bitnexus_term_impact`. Keyword search reads each word's products best first from this table
and computes the exact rank of those alone, falling back to ranking every match when the few
read cannot prove which products lead (`catalog.keywords`).

A trigger keeps the table in step with each product's document and status, as the product's
owner: the runtime role may only read it.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the lexeme quoted as a tsquery operand (quotes and backslashes doubled): ts_rank of the
# document for that one word is its share of any OR query's rank before the mean
TERM_IMPACT = r"""
CREATE FUNCTION bitnexus_term_impact(document tsvector, lexeme text)
RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ts_rank(document,
               ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || '''')::tsquery)
"""
SYNC_TERMS = """
CREATE FUNCTION bitnexus_sync_search_terms() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    DELETE FROM public.product_search_terms
    WHERE tenant_id = NEW.tenant_id AND product_id = NEW.id;
    IF NEW.status = 'approved' THEN
        INSERT INTO public.product_search_terms (tenant_id, product_id, lexeme, impact)
        SELECT NEW.tenant_id, NEW.id, w, public.bitnexus_term_impact(NEW.search_document, w)
        FROM unnest(tsvector_to_array(NEW.search_document)) AS w;
    END IF;
    RETURN NULL;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(TERM_IMPACT)
    op.create_table(
        "product_search_terms",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("lexeme", sa.Text(), nullable=False),
        sa.Column("impact", sa.REAL(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_product_search_terms_tenant_id_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "product_id", "lexeme", name=op.f("pk_product_search_terms")
        ),
    )
    # read backwards: a word's products by impact, then id, both descending
    op.create_index(
        "ix_product_search_terms_tenant_id_lexeme_impact_product_id",
        "product_search_terms",
        ["tenant_id", "lexeme", "impact", "product_id"],
    )
    for statement in tenant_rls("product_search_terms", app_role, grants="SELECT"):
        op.execute(statement)
    op.execute(SYNC_TERMS)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_sync_search_terms() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER search_terms_inserted AFTER INSERT ON products FOR EACH ROW "
        "WHEN (NEW.status = 'approved') EXECUTE FUNCTION bitnexus_sync_search_terms()"
    )
    op.execute(
        "CREATE TRIGGER search_terms_updated AFTER UPDATE ON products FOR EACH ROW "
        "WHEN (OLD.search_document IS DISTINCT FROM NEW.search_document "
        "OR OLD.status IS DISTINCT FROM NEW.status) "
        "EXECUTE FUNCTION bitnexus_sync_search_terms()"
    )
    op.execute(
        "INSERT INTO product_search_terms (tenant_id, product_id, lexeme, impact) "
        "SELECT p.tenant_id, p.id, w, bitnexus_term_impact(p.search_document, w) "
        "FROM products p, unnest(tsvector_to_array(p.search_document)) AS w "
        "WHERE p.status = 'approved'"
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP TRIGGER search_terms_updated ON products")
    op.execute("DROP TRIGGER search_terms_inserted ON products")
    op.execute("DROP FUNCTION bitnexus_sync_search_terms()")
    op.drop_table("product_search_terms")
    op.execute("DROP FUNCTION bitnexus_term_impact(tsvector, text)")
