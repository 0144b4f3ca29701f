"""title words: the words of each tenant's approved product titles, trigram-indexed, from which
keyword search corrects a misspelt word ("machne" → "machine") before it looks again, instead of
comparing the words with every title

Comparing with titles read every title sharing a few trigrams with the words (a thousand at
100,000 products for "pythn coding", all rejected): that cost grew with the catalogue. The words
of a catalogue's titles grow far slower. A trigger adds a product's title words when it is
approved or retitled; words are never taken out, since a word no product has any more corrects
to nothing. The trigram index on titles goes.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bitnexus.core.rls import tenant_rls, tenant_view

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# a text's words as they are spelt (lower case, no stemming, none dropped), numbers left out
TITLE_WORDS = """
CREATE FUNCTION bitnexus_title_words(title text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, title))) AS w
             WHERE w ~ '[[:alpha:]]')
"""
# sorted words (tsvector order), so two writers of the same new words wait in the same order
SYNC_WORDS = """
CREATE FUNCTION bitnexus_sync_title_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
    INSERT INTO public.product_title_words (tenant_id, word)
    SELECT NEW.tenant_id, w FROM unnest(public.bitnexus_title_words(NEW.title)) AS w
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.execute(TITLE_WORDS)
    op.create_table(
        "product_title_words",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("word", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_product_title_words_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "word", name=op.f("pk_product_title_words")),
    )
    op.execute(
        "CREATE INDEX ix_product_title_words_word_trgm ON product_title_words "
        "USING gin (word gin_trgm_ops)"
    )
    for statement in tenant_rls("product_title_words", app_role, grants="SELECT"):
        op.execute(statement)
    # trigram similarity is not LEAKPROOF: under row security alone it could not use the index
    for statement in tenant_view(
        "title_word_search", "product_title_words", ["tenant_id", "word"], app_role
    ):
        op.execute(statement)
    op.execute(SYNC_WORDS)
    op.execute("REVOKE ALL ON FUNCTION bitnexus_sync_title_words() FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER title_words_inserted AFTER INSERT ON products FOR EACH ROW "
        "WHEN (NEW.status = 'approved') EXECUTE FUNCTION bitnexus_sync_title_words()"
    )
    op.execute(
        "CREATE TRIGGER title_words_updated AFTER UPDATE ON products FOR EACH ROW "
        "WHEN (NEW.status = 'approved' AND (OLD.title IS DISTINCT FROM NEW.title "
        "OR OLD.status IS DISTINCT FROM NEW.status)) "
        "EXECUTE FUNCTION bitnexus_sync_title_words()"
    )
    op.execute(
        "INSERT INTO product_title_words (tenant_id, word) "
        "SELECT DISTINCT p.tenant_id, w FROM products p, unnest(bitnexus_title_words(p.title)) w "
        "WHERE p.status = 'approved'"
    )
    op.execute("DROP INDEX ix_products_title_trgm")


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("CREATE INDEX ix_products_title_trgm ON products USING gin (title gin_trgm_ops)")
    op.execute("DROP TRIGGER title_words_updated ON products")
    op.execute("DROP TRIGGER title_words_inserted ON products")
    op.execute("DROP FUNCTION bitnexus_sync_title_words()")
    op.execute("DROP VIEW title_word_search")
    op.drop_table("product_title_words")
    op.execute("DROP FUNCTION bitnexus_title_words(text)")
