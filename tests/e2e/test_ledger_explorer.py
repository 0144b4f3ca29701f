"""The ledger explorer in a real Chromium: an affiliate verifies their earnings receipt in the
browser (and a forged one fails), a tenant admin walks blocks and transactions and sees new
transactions and blocks arrive live."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Page, expect
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.core.config import Settings
from bitnexus.core.db import Database, set_tenant
from bitnexus.core.dburl import DatabaseUrls
from bitnexus.ledger import jobs, note, service, signing, tree
from bitnexus.ledger.models import AccountKind
from bitnexus.ledger.service import PostingSpec as P
from tests.e2e.conftest import api_client, download_of, login
from tests.factories import Account, signup_affiliate, signup_org, unique_slug
from tests.ledger import forgery, refusals

pytestmark = pytest.mark.e2e
NewContext = Callable[..., Awaitable[BrowserContext]]
RECEIVABLE = "vendor:v:receivable"


@dataclass
class Program:
    """An organisation whose affiliate has earned commissions on its ledger."""

    db: Database
    settings: Settings
    slug: str
    tenant_id: uuid.UUID
    admin: Account
    affiliate: Account
    pending: str

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.db.sessionmaker() as s, s.begin():
            await set_tenant(s, self.tenant_id)
            yield s

    async def sell(self, orders: range) -> None:
        async with self.session() as s:
            for i in orders:
                await service.post_transaction(
                    s,
                    self.tenant_id,
                    idempotency_key=f"sale-{i}",
                    description=f"Commission on order {i}",
                    postings=[P(RECEIVABLE, 1000 + i, "USD"), P(self.pending, -1000 - i, "USD")],
                )
        async with self.session() as s:  # as the server's integrator does within a second
            await tree.integrate(s, self.tenant_id)

    async def seal(self) -> None:
        async with self.session() as s:
            await tree.integrate(s, self.tenant_id)
            await tree.seal(s, self.tenant_id, await self.identity(s))

    async def identity(self, s: AsyncSession) -> tree.LogIdentity:
        return await signing.identity_for(s, self.settings, self.tenant_id, self.slug)


@pytest.fixture
async def program(
    server_url: str, db_urls: DatabaseUrls, settings: Settings
) -> AsyncIterator[Program]:
    async with api_client(server_url) as c:
        admin = await signup_org(
            c, organisation_name="Proof Org", slug=unique_slug("ledger"), name="Ada Admin"
        )
        affiliate = await signup_affiliate(c, admin.slug, name="Fay Affiliate")
    db = Database(db_urls.app, pool_size=2)
    p = Program(
        db,
        settings,
        admin.slug,
        uuid.UUID(admin.tenant_id),
        admin,
        affiliate,
        f"affiliate:{affiliate.id}:pending",
    )
    async with p.session() as s:
        await service.open_account(
            s, p.tenant_id, code=RECEIVABLE, kind=AccountKind.asset, currency="USD"
        )
        await service.open_account(
            s,
            p.tenant_id,
            code=p.pending,
            kind=AccountKind.liability,
            currency="USD",
            owner_user_id=uuid.UUID(affiliate.id),
        )
    await p.sell(range(3))
    await p.seal()
    yield p
    await db.dispose()


async def test_affiliate_verifies_earnings_in_the_browser(
    new_context: NewContext, program: Program
) -> None:
    page = await login(await new_context(accept_downloads=True), program.affiliate)
    await page.get_by_role("link", name="Earnings proof").click()
    await expect(page.get_by_role("heading", name="My earnings proof")).to_be_visible()

    # the statement: newest first, running balance, each line verifiable here
    row = page.get_by_test_id("statement-row-1")
    await expect(row).to_contain_text("Commission on order 1")
    await expect(row).to_contain_text("$20.01")  # balance after 1000 + 1001 cents
    await row.get_by_role("button", name="Verify").click()
    async with program.session() as s:
        origin = (await program.identity(s)).origin
    await expect(row.get_by_role("status")).to_contain_text(
        f"Verified in your browser: transaction #1 is in {origin}'s signed log of 3 transactions"
    )

    # the receipt downloads as a file
    download = await download_of(page, row.get_by_role("button", name="Download receipt"))
    assert download.suggested_filename == "transaction-1.tlog-proof"
    saved = (await download.path()).read_text()  # type: ignore[union-attr]
    assert saved.startswith("c2sp.org/tlog-proof@v1\n")

    # the saved receipt verifies from the form; a forged amount and a foreign key do not
    card = page.locator("form").filter(has_text="Receipt text")
    await card.get_by_label("Receipt text").fill(saved)
    await page.get_by_role("button", name="Verify receipt").click()
    await expect(page.get_by_test_id("receipt-leaf")).to_contain_text('"amount": 1001')
    await expect(page.get_by_test_id("receipt-postings")).to_contain_text("$10.01")

    leaf = saved.split("\n")[1].removeprefix("extra ")
    forged_leaf = base64.b64decode(leaf).replace(b"1001", b"9001")
    forged = saved.replace(leaf, base64.b64encode(forged_leaf).decode())
    await card.get_by_label("Receipt text").fill(forged)
    await page.get_by_role("button", name="Verify receipt").click()
    await expect(page.get_by_role("alert")).to_contain_text(
        "Not verified: the transaction is not in the signed tree"
    )

    other = str(note.Signer.generate("some-other-log").verifier)
    await card.get_by_label("Receipt text").fill(saved)
    await card.get_by_label("Verifier key").fill(other)
    await page.get_by_role("button", name="Verify receipt").click()
    await expect(page.get_by_role("alert")).to_contain_text("Not verified: no signature by")

    # an affiliate cannot open the admin explorer
    await page.goto("/app/ledger")
    await expect(page.get_by_role("heading", name="Ledger", exact=True)).to_have_count(0)


async def _downloaded_receipt(new_context: NewContext, program: Program) -> tuple[Page, str]:
    """The affiliate's page, and the receipt of their first statement line as downloaded."""
    page = await login(await new_context(accept_downloads=True), program.affiliate)
    await page.get_by_role("link", name="Earnings proof").click()
    row = page.get_by_test_id("statement-row-1")
    download = await download_of(page, row.get_by_role("button", name="Download receipt"))
    saved = (await download.path()).read_text()  # type: ignore[union-attr]
    return page, saved


async def test_the_browser_believes_only_witnesses_it_can_check(
    new_context: NewContext, program: Program
) -> None:
    # given an affiliate's saved receipt, a witness's genuine cosignature on it, and what an
    # operator holding the log's signing secret could make of it
    page, saved = await _downloaded_receipt(new_context, program)
    witness = forgery.witness_signer()
    async with program.session() as s:
        log = (await program.identity(s)).signer
    cosigned = forgery.cosigned(saved, witness)
    rewritten = forgery.rewritten(cosigned, log, lambda leaf: leaf.replace(b"1001", b"9001"))
    made_up = forgery.with_line(
        saved, note.Signature(forgery.WITNESS, witness.verifier.key_id, bytes(8 + 64))
    )
    card = page.locator("form").filter(has_text="Receipt text")

    async def check(receipt: str, witness_keys: str) -> None:
        await card.get_by_label("Receipt text").fill(receipt)
        await card.get_by_label("Witness keys").fill(witness_keys)
        await page.get_by_role("button", name="Verify receipt").click()

    # when the genuine cosigned receipt is checked with the witness's key
    await check(cosigned, str(witness.verifier))
    # then the witness is named as having cosigned
    await expect(card.locator("..").get_by_role("status")).to_contain_text(
        f"Cosigned by witness {forgery.WITNESS} on"
    )

    # when a made-up witness line is checked without the witness's key, then nothing is claimed
    await check(made_up, "")
    status = card.locator("..").get_by_role("status")
    await expect(status).to_contain_text("No pinned witness has cosigned this checkpoint")
    await expect(status).to_contain_text(f"Also signed by {forgery.WITNESS}: no key pinned")

    # when it, or the operator's rewritten history, is checked with the witness's key, then
    # both are refused
    for forged in (made_up, rewritten):
        await check(forged, str(witness.verifier))
        await expect(page.get_by_role("alert")).to_contain_text(
            f"Not verified: the cosignature of {forgery.WITNESS} does not verify"
        )

    # when the witness's key is pinned, then it stays for this browser's next checks
    await card.get_by_label("Witness keys").fill(str(witness.verifier))
    await card.get_by_role("button", name="Pin these witness keys").click()
    await page.reload()
    await expect(page.get_by_label("Witness keys")).to_have_value(str(witness.verifier))
    await expect(page.get_by_text("Pinned in this browser.")).to_be_visible()


async def test_a_receipt_from_before_a_key_rotation_still_verifies(
    new_context: NewContext, program: Program
) -> None:
    # given an affiliate's receipt saved before the organisation rotated its signing key, and
    # new sales sealed with the new key
    page, saved = await _downloaded_receipt(new_context, program)
    async with program.session() as s:
        rotated = await signing.rotate(s, program.settings, program.tenant_id, program.slug)
    await program.sell(range(3, 5))
    await program.seal()
    old_id, new_id = rotated.old_key.split("+")[1], rotated.new_key.split("+")[1]

    # when the saved receipt is checked against the keys the organisation publishes
    await page.reload()
    card = page.locator("form").filter(has_text="Receipt text")
    await expect(card.get_by_label("Verifier keys")).to_have_value(
        f"{rotated.new_key}\n{rotated.old_key}"
    )
    await card.get_by_label("Receipt text").fill(saved)
    await page.get_by_role("button", name="Verify receipt").click()

    # then it is verified, signed with the retired key
    status = card.locator("..").get_by_role("status")
    await expect(status).to_contain_text("Verified in your browser: transaction #1 is in")
    await expect(status).to_contain_text(
        f"Signed with key {old_id}, a key the organisation has since retired"
    )
    # and the same transaction's receipt today is signed with the new key
    row = page.get_by_test_id("statement-row-1")
    await row.get_by_role("button", name="Verify").click()
    await expect(row.get_by_test_id("signed-by")).to_have_text(f"Signed with key {new_id}.")

    # and the organisation's admin sees both keys, the retired one with its dates
    admin = await login(await new_context(), program.admin)
    await admin.get_by_role("link", name="Ledger", exact=True).click()
    await expect(admin.get_by_test_id("signing-key-2")).to_contain_text(f"Key {new_id}")
    await expect(admin.get_by_test_id("signing-key-2")).to_contain_text("current")
    await expect(admin.get_by_test_id("signing-key-1")).to_contain_text(f"Key {old_id}")
    await expect(admin.get_by_test_id("signing-key-1")).to_contain_text("retired")


async def test_admin_explores_blocks_and_watches_them_arrive(
    new_context: NewContext, program: Program
) -> None:
    page = await login(await new_context(), program.admin)
    await page.get_by_role("link", name="Ledger", exact=True).click()
    await expect(page.get_by_test_id("live-state")).to_contain_text("live")
    await expect(page.get_by_test_id("block-row-0")).to_contain_text("3")

    # new transactions and a new block arrive over the stream (the outbox's
    # ledger.transaction and ledger.checkpoint events) without a reload
    await program.sell(range(3, 5))
    await program.seal()
    await expect(page.get_by_test_id("live-state")).to_contain_text("2 new transactions")
    await expect(page.get_by_test_id("block-row-1")).to_be_visible()

    # block 1 sealed orders 3 and 4; walk into one and verify it
    await page.get_by_test_id("block-row-1").get_by_role("link", name="1").click()
    await expect(page.get_by_role("heading", name="Block 1")).to_be_visible()
    await expect(page.get_by_test_id("block-tree-size")).to_contain_text("5 (transactions #3–#4")
    await expect(page.get_by_test_id("checkpoint")).to_contain_text("\n5\n")
    await page.get_by_role("link", name="#4 Commission on order 4").click()
    await expect(page.get_by_role("heading", name="Transaction #4")).to_be_visible()
    postings = page.get_by_test_id("postings")
    await expect(postings).to_contain_text(RECEIVABLE)
    await expect(postings).to_contain_text("$10.04")
    await expect(page.get_by_test_id("leaf")).to_contain_text('"seq":4')
    await page.get_by_role("button", name="Verify").click()
    await expect(page.get_by_role("status")).to_contain_text("signed log of 5 transactions")

    # every account's statement is there for the admin
    await page.get_by_role("link", name="Ledger", exact=True).click()
    await page.get_by_role("button", name=re.compile(RECEIVABLE)).click()
    await expect(page.get_by_test_id("statement-row-4")).to_contain_text("$50.10")


async def test_admin_gives_a_mirror_a_key_and_sees_its_alarms(
    new_context: NewContext, program: Program, server_url: str
) -> None:
    page = await login(await new_context(), program.admin)
    await page.get_by_role("link", name="Ledger", exact=True).click()
    await expect(
        page.get_by_text("No mirror, witness or sealer has raised an alarm.")
    ).to_be_visible()

    await page.get_by_label("Key name").fill("Auditor")
    await page.get_by_role("button", name="Create key").click()
    secret = await page.get_by_test_id("new-api-key").inner_text()
    assert secret.startswith("bnx_live_")
    await expect(
        page.get_by_text(f"BITNEXUS_MIRROR_KEY={secret} bitnexus ledger witness")
    ).to_be_visible()
    await expect(page.get_by_test_id("api-key-Auditor")).to_contain_text("never used")

    # the mirror reports an alarm with its key; the admin sees it
    async with api_client(server_url) as c:
        reported = await c.post(
            "/api/v1/ledger/mirror/alarms",
            json={
                "reporter": "auditor.example/m1",
                "kind": "rewrite",
                "detail": "entry 1 changed since it was mirrored",
                "tree_size": 3,
                "entry_index": 1,
            },
            headers={"Authorization": f"Bearer {secret}"},
        )
    assert reported.status_code == 201, reported.text
    await page.reload()
    alarm = page.get_by_test_id("alarms")
    await expect(alarm).to_contain_text("auditor.example/m1")
    await expect(alarm).to_contain_text("entry 1 changed since it was mirrored (entry #1)")
    await expect(page.get_by_test_id("api-key-Auditor")).to_contain_text("last used")

    # revoked, the key stops working at once
    await page.get_by_test_id("api-key-Auditor").get_by_role("button", name="Revoke").click()
    await page.get_by_test_id("api-key-Auditor").get_by_role("button", name="Revoke key").click()
    await expect(page.get_by_test_id("api-key-Auditor")).to_contain_text("revoked")
    async with api_client(server_url) as c:
        refused = await c.get(
            "/api/v1/ledger/mirror/entries", headers={"Authorization": f"Bearer {secret}"}
        )
    assert refused.status_code == 401


async def test_admin_sees_the_alarm_when_the_sealer_finds_the_tail_deleted(
    new_context: NewContext, program: Program, owner_engine: Engine
) -> None:
    # given three sealed sales, the newest (sequence 2) deleted by the database owner
    with owner_engine.begin() as conn:
        for sql in (
            "DELETE FROM ledger_postings WHERE tenant_id = :t AND transaction_id ="
            " (SELECT id FROM ledger_transactions WHERE tenant_id = :t AND seq = 2)",
            "DELETE FROM ledger_transactions WHERE tenant_id = :t AND seq = 2",
        ):
            assert conn.execute(text(sql), {"t": program.tenant_id}).rowcount >= 1
    # when a new sale comes and the sealer runs
    async with program.session() as s:
        await service.post_transaction(
            s,
            program.tenant_id,
            idempotency_key="sale-after",
            postings=[P(RECEIVABLE, 500, "USD"), P(program.pending, -500, "USD")],
        )
    with pytest.raises(tree.InconsistentLog):
        await jobs.seal_tenant(program.db, program.settings, program.tenant_id, program.slug)

    # then the organisation's admin sees the alarm on the ledger page
    page = await login(await new_context(), program.admin)
    await page.get_by_role("link", name="Ledger", exact=True).click()
    alarm = page.get_by_test_id("alarms")
    await expect(alarm).to_contain_text("tail deleted")
    await expect(alarm).to_contain_text("sealer")
    await expect(alarm).to_contain_text("Sealing is halted until an operator resumes it")


async def test_a_saved_receipt_is_checked_against_todays_public_log(
    new_context: NewContext, program: Program
) -> None:
    # given an affiliate (no admin) who verified the receipt of order 1 when the log held 3 sales
    page = await login(await new_context(), program.affiliate)
    await page.get_by_role("link", name="Earnings proof").click()
    row = page.get_by_test_id("statement-row-1")
    await row.get_by_role("button", name="Verify").click()
    await expect(row.get_by_role("status")).to_contain_text("Verified in your browser")
    saved = page.get_by_test_id("saved-receipt")
    await expect(saved).to_contain_text("Transaction #1, signed at size 3")
    await expect(saved.get_by_role("status")).to_contain_text(
        "Consistent with today's checkpoint (size 3)"
    )
    # and, kept beside it, the same receipt as an operator holding the signing key rewrote it
    key = f"bitnexus.saved-receipts.{program.slug}"
    receipt = await page.evaluate(f"JSON.parse(localStorage.getItem('{key}'))[0].receipt")
    async with program.session() as s:
        log = (await program.identity(s)).signer
    forged = forgery.rewritten(receipt, log, lambda leaf: leaf.replace(b"1001", b"9001"))
    await page.evaluate(
        """([key, receipt]) => {
            const all = JSON.parse(localStorage.getItem(key));
            all.push({ receipt, savedAt: new Date().toISOString() });
            localStorage.setItem(key, JSON.stringify(all));
        }""",
        [key, forged],
    )

    # when the log grows past a full tile (297 more sales, sealed) and the page is opened again
    await program.sell(range(3, 300))
    await program.seal()
    await page.reload()

    # then the genuine receipt is consistent with today's public checkpoint and tiles, and the
    # rewritten one is flagged
    await expect(saved).to_have_count(2)
    await expect(saved.nth(0).get_by_role("status")).to_contain_text(
        "Consistent with today's checkpoint (size 300): transaction #1 is still in the log"
    )
    await expect(saved.nth(1).get_by_role("alert")).to_contain_text(
        "Not consistent with today's log: the saved checkpoint (size 3) is not a prefix of"
        " today's (size 300)"
    )


async def test_admin_sees_a_witness_refusal_with_both_checkpoints(
    new_context: NewContext, program: Program, owner_engine: Engine, tmp_path: Path
) -> None:
    # given the organisation's log cosigned by a real witness, then rewritten by someone holding
    # its signing key and database, grown and sealed: the witness refuses the next checkpoint
    async def grow() -> None:
        await program.sell(range(3, 5))
        await program.seal()

    refused = await refusals.rewritten_after_cosigning(
        program.db,
        owner_engine,
        program.settings,
        program.tenant_id,
        program.slug,
        tmp_path,
        grow,
    )

    # when the organisation's admin opens the ledger
    page = await login(await new_context(), program.admin)
    await page.get_by_role("link", name="Ledger", exact=True).click()

    # then the refusal is an alarm, reported by the witness
    alarm = page.get_by_test_id("alarms")
    await expect(alarm).to_contain_text(f"witness {refusals.WITNESS}")
    await expect(alarm).to_contain_text("refused checkpoint 5 (block 1)")
    # and its evidence opens to both checkpoints, the request and the witness's answer
    evidence = alarm.get_by_test_id("alarm-evidence")
    await expect(evidence.get_by_test_id("evidence-offered")).not_to_be_visible()
    await evidence.get_by_text("Evidence: the checkpoint").click()
    await expect(evidence.get_by_test_id("evidence-offered")).to_have_text(refused.offered)
    cosigned = evidence.get_by_test_id("evidence-cosigned")
    await expect(cosigned).to_contain_text("\n3\n")
    await expect(cosigned).to_contain_text(f"\u2014 {refusals.WITNESS} ")
    await expect(evidence).to_contain_text("does not verify over this stored checkpoint")
    await expect(evidence.get_by_test_id("evidence-request")).to_contain_text("old 3")
    await expect(evidence.get_by_test_id("evidence-answer")).to_contain_text(
        "consistency proof does not verify"
    )
    await expect(evidence.get_by_role("button", name="Copy offered checkpoint")).to_be_visible()
