"""The offline template writer: grounded in the product's data only, varied, within limits."""

from __future__ import annotations

import random
import re

import pytest

from bitnexus.content.platforms import RULES, Length, Platform, Tone, finish
from bitnexus.content.providers.base import Brief, Facts
from bitnexus.content.providers.template import (
    CALLS,
    DETAILS,
    GREETING,
    HOOKS,
    PRICES,
    SUBJECTS,
    TemplateProvider,
)

FACTS = Facts(
    title="Python for Data Science",
    description=(
        "Twelve modules on pandas and plotting. Exercises after every module. "
        "Lifetime access to the videos."
    ),
    category="Courses",
    tags=["python", "data"],
    price="49.00 USD",
    commission="4.90 USD",
)
LINK = "https://go.example.org/r/AbCdEfGhIjKl"


def _post(platform: Platform, tone: Tone, length: Length, seed: int) -> str:
    brief = Brief(FACTS, platform, tone, length, budget=RULES[platform].targets[1] - 60)
    draft = TemplateProvider(random.Random(seed)).compose(brief)
    post = finish(
        platform,
        draft.body,
        link=LINK,
        disclosure="#ad",
        hashtags=draft.hashtags,
        subject=draft.subject,
    )
    assert post.length <= post.limit
    return f"{post.subject or ''}\n{post.text}"


@pytest.mark.parametrize("platform", list(Platform))
@pytest.mark.parametrize("tone", list(Tone))
def test_every_word_comes_from_the_product_or_the_fixed_wording(
    platform: Platform, tone: Tone
) -> None:
    # given the words the product's data and the template's own phrases contain
    phrases = [*HOOKS[tone], *PRICES, *CALLS[tone], *SUBJECTS, "[Hook] [Show] [Price]"]
    phrases += ["[Call to action] the link is below. Category:", DETAILS, GREETING]
    allowed = _words(" ".join([*phrases, FACTS.title, FACTS.description, FACTS.category]))
    allowed |= _words(" ".join([*FACTS.tags, FACTS.price, LINK, "#ad"]))

    # when posts are written with several seeds
    for seed, length in zip(range(6), list(Length) * 2, strict=True):
        text = _post(platform, tone, length, seed)

        # then no word (a claim, a number) comes from anywhere else
        assert _words(text) <= allowed, _words(text) - allowed
        assert "4.90" not in text  # the commission is the affiliate's business, not a claim


def test_wording_varies_between_calls() -> None:
    texts = {_post(Platform.linkedin, Tone.friendly, Length.medium, seed) for seed in range(12)}

    assert len(texts) >= 3


def test_longer_options_say_more() -> None:
    short = _post(Platform.linkedin, Tone.informative, Length.short, 1)
    long = _post(Platform.linkedin, Tone.informative, Length.long, 1)

    assert len(long) >= len(short)


def _words(text: str) -> set[str]:
    """Words and numbers (49.00 is one number, so a made-up price would show)."""
    return {w.lower() for w in re.findall(r"\d+(?:\.\d+)?|[^\W\d_]+", text)}
