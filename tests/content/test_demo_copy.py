"""The offline writer has something to say about every product of the demo marketplace."""

from __future__ import annotations

import random
import re

import pytest

from bitnexus import demo
from bitnexus.content.platforms import RULES, Length, Platform, Tone
from bitnexus.content.providers.base import Brief, Facts
from bitnexus.content.providers.template import TemplateProvider, sentences

APPROVED = [
    product
    for slug in ("acme", "globex")
    for product in demo.catalogue(slug)
    if product.status == "approved"
]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


@pytest.mark.parametrize("product", APPROVED, ids=lambda p: p.title)
def test_a_demo_products_post_says_more_than_its_title(product: demo.DemoProduct) -> None:
    # given a demo product, as the content generator sees it
    facts = Facts(
        title=product.title,
        description=product.description,
        category=product.category,
        tags=product.tags,
        price=f"{product.price / 100:.2f} USD",
        commission="",
    )
    brief = Brief(
        facts, Platform.linkedin, Tone.friendly, Length.medium, RULES[Platform.linkedin].targets[1]
    )

    # when the offline writer writes a post about it
    body = TemplateProvider(random.Random(7)).compose(brief).body

    # then the post tells what the product does, in the product's own words beyond its title
    first = sentences(product.description)[0]
    assert first in body
    assert len(_words(first) - _words(product.title)) >= 5, first
