"""search: a full-text document on every product (generated, GIN-indexed), a trigram index on
titles (misspellings), and each product's
embedding (all-MiniLM-L6-v2, 384 dimensions, HNSW cosine index) with the hash of the text it
was computed from, so a product is embedded again only when its text changes

`bitnexus_search_text` is the one home of "a product's text": the embedding job hashes and
embeds it, and the full-text document is built from the same four fields.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls
from bitnexus.core.vector import Vector

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# IMMUTABLE: array_to_string over varchar[] depends on no setting (generated columns need it)
SEARCH_TEXT = """
CREATE FUNCTION bitnexus_search_text(title varchar, description text, category varchar,
                                     tags varchar[])
RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN title || E'\\n' || category || E'\\n' || array_to_string(tags, ', ') || E'\\n'
       || description
"""
# title weighs most, then category and tags, then the description (ts_rank_cd's A/B/C)
SEARCH_DOCUMENT = """
CREATE FUNCTION bitnexus_search_document(title varchar, description text, category varchar,
                                         tags varchar[])
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN setweight(to_tsvector('english'::regconfig, title), 'A')
    || setweight(to_tsvector('english'::regconfig,
                             category || ' ' || array_to_string(tags, ' ')), 'B')
    || setweight(to_tsvector('english'::regconfig, description), 'C')
"""
# the tenants with a product whose text has no embedding yet (read across tenants by the job)
SEARCH_DUE = """
CREATE FUNCTION bitnexus_search_due() RETURNS SETOF uuid
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT DISTINCT p.tenant_id
    FROM public.products p
    LEFT JOIN public.product_embeddings e
        ON e.tenant_id = p.tenant_id AND e.product_id = p.id
    WHERE p.status <> 'archived'
      AND (e.product_id IS NULL
           OR e.text_hash <> sha256(convert_to(
                public.bitnexus_search_text(p.title, p.description, p.category, p.tags),
                'UTF8')))
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(SEARCH_TEXT)
    op.execute(SEARCH_DOCUMENT)
    op.execute(
        "ALTER TABLE products ADD COLUMN search_document tsvector GENERATED ALWAYS AS "
        "(bitnexus_search_document(title, description, category, tags)) STORED"
    )
    op.execute("CREATE INDEX ix_products_search_document ON products USING gin (search_document)")
    # misspelt words still find a title (pg_trgm word similarity)
    op.execute("CREATE INDEX ix_products_title_trgm ON products USING gin (title gin_trgm_ops)")
    op.create_table(
        "product_embeddings",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("embedding", Vector(384), nullable=False),
        sa.Column("text_hash", sa.LargeBinary(), nullable=False),
        sa.Column(
            "embedded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "product_id"],
            ["products.tenant_id", "products.id"],
            name=op.f("fk_product_embeddings_tenant_id_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "product_id", name=op.f("pk_product_embeddings")),
    )
    op.execute(
        "CREATE INDEX ix_product_embeddings_embedding ON product_embeddings "
        "USING hnsw (embedding vector_cosine_ops)"
    )
    for statement in tenant_rls("product_embeddings", app_role):
        op.execute(statement)
    op.execute(SEARCH_DUE)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_search_due() FROM PUBLIC")
    op.execute(f'GRANT EXECUTE ON FUNCTION bitnexus_search_due() TO "{app_role}"')


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP FUNCTION bitnexus_search_due()")
    op.drop_table("product_embeddings")
    op.execute("DROP INDEX ix_products_title_trgm")
    op.execute("DROP INDEX ix_products_search_document")
    op.execute("ALTER TABLE products DROP COLUMN search_document")
    op.execute("DROP FUNCTION bitnexus_search_document(varchar, text, varchar, varchar[])")
    op.execute("DROP FUNCTION bitnexus_search_text(varchar, text, varchar, varchar[])")
