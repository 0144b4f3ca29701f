"""The offline writer: posts assembled from the product's own data only, so by construction
it claims nothing the product data does not say. Wording varies from one call to the next."""

from __future__ import annotations

import random
import re

from bitnexus.content.platforms import RULES, Length, Platform, Tone
from bitnexus.content.providers.base import Brief, Draft, Facts

HOOKS: dict[Tone, tuple[str, ...]] = {
    Tone.friendly: ("Have a look at {title}.", "Say hello to {title}.", "Meet {title}."),
    Tone.professional: ("Introducing {title}.", "{title}, in {category}.", "About {title}."),
    Tone.enthusiastic: ("Check out {title}!", "Don't miss {title}!", "Here's {title}!"),
    Tone.informative: (
        "{title} is listed in {category}.",
        "What {title} is about:",
        "{title}: the facts.",
    ),
}
PRICES = ("Price: {price}.", "It costs {price}.", "Available for {price}.")
CALLS: dict[Tone, tuple[str, ...]] = {
    Tone.friendly: ("Take a look:", "See it here:", "Find it here:"),
    Tone.professional: ("Details:", "Learn more:", "More information:"),
    Tone.enthusiastic: ("Get it here:", "Grab it here:", "See it now:"),
    Tone.informative: ("Full details:", "Product page:", "Read more:"),
}
SUBJECTS = ("{title}", "A look at {title}", "{title} ({category})", "About {title}")
DETAILS = "Category: {category}. Tags: {tags}."  # the long option's extra line
GREETING = "Hi,"  # an email's first line
SENTENCE = re.compile(r"(?<=[.!?])\s+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.split(" ".join(text.split())) if s.strip()]


class TemplateProvider:
    """Fills wording variants with the product's title, description, category, price and tags."""

    name = "template"

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rng = rng or random.Random()  # noqa: S311 - wording variety, not secrets

    async def write(self, brief: Brief) -> Draft:
        return self.compose(brief)

    def compose(self, brief: Brief) -> Draft:
        facts, pick = brief.facts, self._rng.choice
        fill = {"title": facts.title, "category": facts.category, "price": facts.price}
        hook = pick(HOOKS[brief.tone]).format(**fill)
        price = pick(PRICES).format(**fill)
        call = pick(CALLS[brief.tone])
        tags = [*facts.tags, facts.category]
        hashtags = tags[: RULES[brief.platform].hashtags]
        if brief.platform is Platform.banner:
            return Draft(body=pick((facts.title, f"{facts.title}: {facts.price}")))
        if brief.platform is Platform.tiktok:
            return Draft(body=self._script(brief, hook, price, call), hashtags=hashtags)
        if brief.platform is Platform.youtube:
            head = f"{facts.title}\n\n"
            lines = self._fill(brief.budget - len(head) - len(price) - 40, facts)
            body = f"{head}{lines}\n\n{price} Category: {facts.category}.\n\n{call}"
            return Draft(body=body, hashtags=hashtags)
        filler = self._fill(brief.budget - len(hook) - len(price) - len(call) - 3, facts)
        parts = [hook, filler, price, call] if filler else [hook, price, call]
        if brief.length is Length.long and facts.tags:
            parts.insert(-1, DETAILS.format(category=facts.category, tags=", ".join(facts.tags)))
        if brief.platform is Platform.email:
            parts.insert(0, GREETING)
        joiner = " " if brief.platform is Platform.x else "\n\n"
        subject = pick(SUBJECTS).format(**fill) if brief.platform is Platform.email else None
        return Draft(body=joiner.join(parts), hashtags=hashtags, subject=subject)

    def _fill(self, room: int, facts: Facts) -> str:
        """As many of the description's sentences as fit in `room`, in their order."""
        taken: list[str] = []
        for sentence in sentences(facts.description):
            if sum(len(s) + 1 for s in taken) + len(sentence) > room:
                break
            taken.append(sentence)
        return " ".join(taken)

    def _script(self, brief: Brief, hook: str, price: str, call: str) -> str:
        facts = brief.facts
        lines = sentences(facts.description)
        shown = self._fill(brief.budget - len(hook) - len(price) - len(call) - 60, facts)
        shown = shown or (lines[0] if lines else facts.title)
        return "\n".join(
            (
                f"[Hook] {hook}",
                f"[Show] {shown}",
                f"[Price] {price}",
                f"[Call to action] {call} the link is below.",
            )
        )
