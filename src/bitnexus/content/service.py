"""Content rules: write a post for a product on a platform, embedding the affiliate's short
link and the organisation's disclosure, within the platform's limit, for a credit.

A credit is charged only for a post that was written: the provider is asked first, between
two units of work (no transaction and no pooled connection is held while it writes, which may
take seconds), then the charge is one conditional upsert. A failed generation charges nothing,
and concurrent ones past the quota are refused at the charge.
"""

from __future__ import annotations

import datetime as dt
import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from bitnexus.accounts.models import Role
from bitnexus.accounts.service.sessions import Principal
from bitnexus.catalog import service as catalog
from bitnexus.catalog.commission import OwnTerms, commission_for
from bitnexus.catalog.errors import ProductNotFound
from bitnexus.catalog.models import Product, ProductStatus
from bitnexus.content import repository
from bitnexus.content.errors import CreditsExhausted, PostDoesNotFit, ProviderError
from bitnexus.content.models import Generation
from bitnexus.content.platforms import (
    RULES,
    TCO_URL_LENGTH,
    Length,
    Platform,
    Post,
    Tone,
    counted,
)
from bitnexus.content.platforms import finish as finish_post
from bitnexus.content.providers import Brief, Draft, Facts, Provider
from bitnexus.content.schemas import (
    ContentOptions,
    CreditsRead,
    GenerationCreate,
    GenerationPage,
    GenerationRead,
    PlatformRead,
)
from bitnexus.core.db import between_units, utcnow
from bitnexus.core.errors import FieldError, Forbidden
from bitnexus.core.money import as_decimal
from bitnexus.core.schemas import decode_keys, encode_keys
from bitnexus.groups import service as groups
from bitnexus.tenants import service as tenants
from bitnexus.tracking.models import LinkStatus
from bitnexus.tracking.schemas import LinkCreate
from bitnexus.tracking.service import links

log = structlog.get_logger(__name__)

COST = 1  # credits per generation, whatever the platform
LINK_CODE_LENGTH = 12  # tracking's short codes: `{base}/r/{code}`


def month_of(now: dt.datetime) -> tuple[dt.date, dt.datetime]:
    """The calendar month (UTC) `now` is in: its first day, and when the next one begins."""
    start = now.astimezone(dt.UTC).date().replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, dt.datetime.combine(following, dt.time(), dt.UTC)


async def credits(session: AsyncSession, principal: Principal) -> CreditsRead:
    """The organisation's credits this month."""
    quota = tenants.settings_of(principal.tenant).content_credits_monthly
    start, resets = month_of(utcnow())
    used = await repository.used(session, principal.tenant.id, start)
    return CreditsRead(
        monthly=quota,
        used=used,
        remaining=max(quota - used, 0),
        cost_per_generation=COST,
        month_start=start,
        resets_at=resets,
    )


def options(principal: Principal, provider: Provider) -> ContentOptions:
    """Platforms with their limits, tones, lengths, the provider and the disclosure."""
    return ContentOptions(
        platforms=[
            PlatformRead(
                platform=p,
                label=r.label,
                limit=r.limit,
                subject_limit=r.subject_limit,
                counts_urls_as=TCO_URL_LENGTH if r.weighted_urls else None,
                max_hashtags=r.max_hashtags,
            )
            for p, r in RULES.items()
        ],
        tones=list(Tone),
        lengths=list(Length),
        provider=provider.name,
        disclosure=tenants.settings_of(principal.tenant).content_disclosure,
    )


def facts_of(product: Product, principal: Principal, own: OwnTerms | None = None) -> Facts:
    """What the post may say of a product, the commission being what the writer earns (their
    group's rule, where `own` gives one)."""
    per_sale = commission_for(product, principal.tenant, own).per_sale_minor
    return Facts(
        title=product.title,
        description=product.description,
        category=product.category,
        tags=list(product.tags),
        price=f"{as_decimal(product.price_minor, product.currency)} {product.currency}",
        commission=f"{as_decimal(per_sale, product.currency)} {product.currency}",
    )


async def generate(
    session: AsyncSession,
    principal: Principal,
    body: GenerationCreate,
    *,
    provider: Provider,
    base_url: str,
) -> GenerationRead:
    """Write a post for an approved product and charge its credit (affiliates)."""
    if principal.role is not Role.affiliate:
        raise Forbidden("Only affiliates generate marketing content.")
    product = await _approved(session, body.product_id)
    settings = tenants.settings_of(principal.tenant)
    quota, disclosure = settings.content_credits_monthly, settings.content_disclosure
    month, _ = month_of(utcnow())
    if await repository.used(session, principal.tenant.id, month) + COST > quota:
        raise _exhausted(quota)  # early and cheap: the charge below is what decides
    link = await _existing_link(session, principal, product.id, base_url)
    url_length = len(link) if link else len(base_url) + len("/r/") + LINK_CODE_LENGTH
    check_fits(body.platform, url_length, disclosure)  # before asking anyone
    brief = Brief(
        facts=facts_of(product, principal, await groups.own_terms(session, principal)),
        platform=body.platform,
        tone=body.tone,
        length=body.length,
        budget=_budget(body, url_length, disclosure),
    )
    async with between_units(session, principal.tenant.id):
        draft = await _write(provider, brief)
    link = link or await _new_link(session, principal, product.id, base_url)
    post = finish_post(
        body.platform,
        draft.body,
        link=link,
        disclosure=disclosure,
        hashtags=draft.hashtags,
        subject=draft.subject,
    )
    if post.length > post.limit:  # pragma: no cover - check_fits refused this before
        raise _does_not_fit(body.platform)
    if await repository.charge(session, principal.tenant.id, month, COST, quota) is None:
        raise _exhausted(quota)
    generation = _row(principal, product, body, provider.name, link, post)
    return read(await repository.add(session, generation))


async def _approved(session: AsyncSession, product_id: uuid.UUID) -> Product:
    product = await catalog.product(session, product_id)
    if product is None or product.status != ProductStatus.approved:
        raise ProductNotFound(errors=[FieldError("product_id", "No approved product.")])
    return product


async def _write(provider: Provider, brief: Brief) -> Draft:
    """The provider's draft; a failure is logged (never with a key) and raised as it is."""
    try:
        return await provider.write(brief)
    except ProviderError as exc:  # nothing written, nothing charged: the transaction rolls back
        log.warning(
            "content.provider_failed",
            provider=provider.name,
            problem=exc.type_slug,
            detail=exc.detail,
        )
        raise


async def _new_link(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, base_url: str
) -> str:
    """A new tracked link for the affiliate, made the way the links page makes one."""
    made = await links.create(
        session, principal, LinkCreate(product_id=product_id), base_url=base_url
    )
    return made.short_url


def _exhausted(quota: int) -> CreditsExhausted:
    _, resets = month_of(utcnow())
    return CreditsExhausted(
        f"This organisation's {quota} content credits for the month are used up; they renew "
        f"on {resets.date().isoformat()}.",
        extra={"credits_monthly": quota, "resets_at": resets.isoformat()},
    )


def check_fits(platform: Platform, url_length: int, disclosure: str) -> None:
    """Refuse a platform whose limit the link and the disclosure alone pass (a banner's 90
    characters with a long public address and a long disclosure)."""
    rules = RULES[platform]
    link_cost = TCO_URL_LENGTH if rules.weighted_urls else url_length
    if link_cost + 1 + counted(platform, disclosure.strip()) > rules.limit:
        raise _does_not_fit(platform)


def _does_not_fit(platform: Platform) -> PostDoesNotFit:
    label, limit = RULES[platform].label, RULES[platform].limit
    return PostDoesNotFit(
        f"The link and the disclosure alone pass {label}'s limit of {limit} characters.",
        errors=[FieldError("platform", "Too short for the link and the disclosure.")],
    )


def _budget(body: GenerationCreate, url_length: int, disclosure: str) -> int:
    """The room the body aims at: the length option's target less the link and disclosure."""
    rules = RULES[body.platform]
    target = rules.targets[list(Length).index(body.length)]
    link_cost = TCO_URL_LENGTH if rules.weighted_urls else url_length
    return max(target - link_cost - counted(body.platform, disclosure) - 4, 0)


async def _existing_link(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID, base_url: str
) -> str | None:
    """The affiliate's newest active link to the product, if they have one."""
    page = await links.listed(
        session,
        principal,
        product_id=product_id,
        include_deleted=False,
        cursor=None,
        limit=100,
        base_url=base_url,
    )
    active = [link for link in page.items if link.status == LinkStatus.active]
    return active[0].short_url if active else None


def _row(
    principal: Principal,
    product: Product,
    body: GenerationCreate,
    provider: str,
    link: str,
    post: Post,
) -> Generation:
    return Generation(
        id=uuid.uuid4(),
        tenant_id=principal.tenant.id,
        affiliate_id=principal.user.id,
        product_id=product.id,
        product_title=product.title,
        platform=body.platform.value,
        tone=body.tone.value,
        length=body.length.value,
        provider=provider,
        short_url=link,
        subject=post.subject,
        body=post.text,
        credits=COST,
        created_at=utcnow(),
    )


def read(generation: Generation) -> GenerationRead:
    platform = Platform(generation.platform)
    rules = RULES[platform]
    return GenerationRead(
        id=generation.id,
        affiliate_id=generation.affiliate_id,
        product_id=generation.product_id,
        product_title=generation.product_title,
        platform=platform,
        tone=Tone(generation.tone),
        length=Length(generation.length),
        provider=generation.provider,
        short_url=generation.short_url,
        subject=generation.subject,
        text=generation.body,
        counted_length=counted(platform, generation.body),
        limit=rules.limit,
        subject_limit=rules.subject_limit,
        credits=generation.credits,
        created_at=generation.created_at,
    )


async def history(
    session: AsyncSession,
    principal: Principal,
    *,
    product_id: uuid.UUID | None,
    cursor: str | None,
    limit: int,
) -> GenerationPage:
    """Generations newest first: an affiliate's own; a tenant admin sees everyone's."""
    if principal.role not in (Role.affiliate, Role.tenant_admin):
        raise Forbidden("Only affiliates and organisation admins see generated content.")
    after = decode_keys(cursor, expect=(dt.datetime, uuid.UUID))
    rows = await repository.listed(
        session,
        affiliate_id=principal.restricted_to,
        product_id=product_id,
        after=after,  # type: ignore[arg-type]
        limit=limit,
    )
    page = rows[:limit]
    more = len(rows) > limit
    return GenerationPage(
        items=[read(g) for g in page],
        next_cursor=encode_keys(page[-1].created_at, page[-1].id) if more else None,
    )
