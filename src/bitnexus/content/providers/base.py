"""The one interface every content provider implements, and what it is given and returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bitnexus.content.platforms import Length, Platform, Tone


@dataclass(frozen=True)
class Facts:
    """Everything a writer may say about a product: its own data, nothing else."""

    title: str
    description: str
    category: str
    tags: Sequence[str]
    price: str  # "49.00 USD"
    commission: str  # what the affiliate earns per sale (never a claim to the audience)


@dataclass(frozen=True)
class Brief:
    """What to write: the facts, the platform, tone and length, and the room the body has
    (the platform's target for the length option minus the link, disclosure and hashtags)."""

    facts: Facts
    platform: Platform
    tone: Tone
    length: Length
    budget: int


@dataclass(frozen=True)
class Draft:
    """A writer's answer: the body (no link, no disclosure: those are added after), hashtags
    and, for email, a subject."""

    body: str
    hashtags: Sequence[str] = ()
    subject: str | None = None


class Provider(Protocol):
    name: str

    async def write(self, brief: Brief) -> Draft:
        """Write a draft, or raise a `content.errors.ProviderError`."""
        ...
