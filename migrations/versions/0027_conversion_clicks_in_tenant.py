"""a conversion's click is looked up by (tenant, click), like every other reference between
tenant rows: the single-column foreign key let a conversion point at another tenant's click (its
check bypasses row security) and its error told whether a click id existed in any tenant. Clicks
take no foreign keys (0026: no unique (tenant, id) index on the hottest insert), so a trigger
checks the pair instead, answering the same for another tenant's click as for none; clicks are
never updated or deleted (the runtime role may only insert), so the check at write time holds.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLICK_IN_TENANT = """
CREATE FUNCTION bitnexus_conversion_click_in_tenant() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM clicks WHERE tenant_id = NEW.tenant_id AND id = NEW.click_id) THEN
        RAISE EXCEPTION 'conversions.click_id: no such click in this tenant'
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NEW;
END
$$
"""


def upgrade(app_role: str = "bitnexus_app") -> None:
    op.drop_constraint("fk_conversions_click_id_clicks", "conversions", type_="foreignkey")
    op.execute(CLICK_IN_TENANT)
    op.execute(
        "CREATE TRIGGER click_in_tenant BEFORE INSERT OR UPDATE OF tenant_id, click_id"
        " ON conversions FOR EACH ROW WHEN (NEW.click_id IS NOT NULL)"
        " EXECUTE FUNCTION bitnexus_conversion_click_in_tenant()"
    )


def downgrade(app_role: str = "bitnexus_app") -> None:
    op.execute("DROP TRIGGER click_in_tenant ON conversions")
    op.execute("DROP FUNCTION bitnexus_conversion_click_in_tenant()")
    op.create_foreign_key(
        "fk_conversions_click_id_clicks", "conversions", "clicks", ["click_id"], ["id"]
    )
