"""What remote writers are told (the product's facts and the rule against invented claims),
and how their replies are read."""

from __future__ import annotations

import json
from typing import Any

from bitnexus.content.errors import ProviderBadReply
from bitnexus.content.platforms import RULES, Platform
from bitnexus.content.providers.base import Brief, Draft

SYSTEM = (
    "You write affiliate marketing copy. Use ONLY the product facts you are given: never invent "
    "features, results, reviews, testimonials, statistics, discounts, deadlines, guarantees or "
    "prices, and never claim personal experience with the product. If a fact is not given, do "
    "not state it. Do not write any URL or advertising disclosure: the affiliate link and the "
    "disclosure are added afterwards. The commission is for your information only: never "
    "mention it. Reply with one JSON object and nothing else: "
    '{"subject": string or null, "body": string, "hashtags": [string]}.'
)


def messages(brief: Brief) -> tuple[str, str]:
    """The system instruction and the user message for a brief."""
    rules, facts = RULES[brief.platform], brief.facts
    task = {
        "platform": rules.label,
        "tone": brief.tone.value,
        "length": brief.length.value,
        "body_max_characters": brief.budget,
        "hashtags_wanted": rules.hashtags,
        "subject_max_characters": rules.subject_limit,
        "format": _FORMAT.get(brief.platform, "a social media post"),
        "product": {
            "title": facts.title,
            "description": facts.description,
            "category": facts.category,
            "tags": list(facts.tags),
            "price": facts.price,
            "affiliate_commission_per_sale": facts.commission,
        },
    }
    return SYSTEM, json.dumps(task, ensure_ascii=False)


_FORMAT = {
    Platform.tiktok: "a short video script: lines marked [Hook], [Show], [Call to action]",
    Platform.youtube: "a video description",
    Platform.email: "an email: a subject line and a plain-text body",
    Platform.banner: "one banner headline, no hashtags",
}


def draft_from(reply: Any) -> Draft:
    """A draft from the model's text: the JSON object asked for, or (from a model that ignores
    the format) the plain text as the body. Anything else is a malformed reply."""
    if not isinstance(reply, str) or not reply.strip():
        raise ProviderBadReply("The content provider returned no text.")
    text = reply.strip()
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(text[start : end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict):
            return _from_object(data)
    return Draft(body=text)


def _from_object(data: dict[str, Any]) -> Draft:
    body, subject, tags = data.get("body"), data.get("subject"), data.get("hashtags") or []
    if not isinstance(body, str) or not body.strip():
        raise ProviderBadReply("The content provider's reply has no body.")
    if not isinstance(tags, list):
        tags = []
    return Draft(
        body=body.strip(),
        hashtags=[t.lstrip("#") for t in tags if isinstance(t, str)][:30],
        subject=subject.strip() if isinstance(subject, str) and subject.strip() else None,
    )
