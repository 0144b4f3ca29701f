"""Each platform's length limit, how it counts characters, and how a post is put together.

The limits are the platforms' own published ones (checked 2026-12):

- X: 280 "weighted" characters per post; every URL counts as 23 (all links are wrapped by t.co);
  code points outside Latin and general punctuation weigh 2 (developer.x.com, "Counting
  characters"; twitter-text v3 configuration: ranges 0-4351, 8192-8205, 8208-8223 and
  8242-8247 weigh 1, everything else 2).
- LinkedIn: 3,000 characters per post (LinkedIn Help, "Character limits").
- Instagram: 2,200 characters per caption and at most 30 hashtags (Instagram Help Center).
- Facebook: 63,206 characters per post (Facebook's post composer limit).
- TikTok: 4,000 characters per video caption (TikTok Newsroom, 2023); the script's spoken
  lines and the caption share that budget here, so the whole script can be pasted as one caption.
- YouTube: 5,000 characters per video description (YouTube Help, "Add video descriptions").
- Email: the subject at most 78 characters (RFC 5322 section 2.1.1: a line SHOULD be at most 78
  characters); the body has no standard limit, so ours is 10,000 characters.
- Banner headline: 90 characters (Google Ads responsive display ads, "long headline").

Every count but X's is of Unicode code points after NFC normalisation (what the platforms'
counters show); X's is the weighted count above. The link and the disclosure are always counted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum


class Platform(StrEnum):
    x = "x"
    linkedin = "linkedin"
    instagram = "instagram"
    facebook = "facebook"
    tiktok = "tiktok"
    youtube = "youtube"
    email = "email"
    banner = "banner"


class Tone(StrEnum):
    friendly = "friendly"
    professional = "professional"
    enthusiastic = "enthusiastic"
    informative = "informative"


class Length(StrEnum):
    short = "short"
    medium = "medium"
    long = "long"


@dataclass(frozen=True)
class Rules:
    """What a platform allows: the post's limit, a subject's limit (email), hashtags wanted and
    the most it takes, and how long each length option aims to be (in characters)."""

    label: str
    limit: int
    targets: tuple[int, int, int]  # short, medium, long
    subject_limit: int | None = None
    hashtags: int = 0  # how many a post carries
    max_hashtags: int | None = None
    weighted_urls: bool = False  # X: a URL counts as 23, wide characters as 2


RULES: dict[Platform, Rules] = {
    Platform.x: Rules("X", 280, (140, 220, 280), hashtags=2, weighted_urls=True),
    Platform.linkedin: Rules("LinkedIn", 3_000, (300, 700, 1_300), hashtags=3),
    Platform.instagram: Rules("Instagram", 2_200, (250, 600, 1_100), hashtags=8, max_hashtags=30),
    Platform.facebook: Rules("Facebook", 63_206, (250, 600, 1_200)),
    Platform.tiktok: Rules("TikTok script", 4_000, (350, 800, 1_500), hashtags=4),
    Platform.youtube: Rules("YouTube description", 5_000, (400, 900, 1_800), hashtags=3),
    Platform.email: Rules("Email", 10_000, (500, 1_000, 2_000), subject_limit=78),
    Platform.banner: Rules("Banner headline", 90, (90, 90, 90)),
}

TCO_URL_LENGTH = 23
URL = re.compile(r"https?://\S+", re.IGNORECASE)
# twitter-text v3: code points in these ranges weigh 1, all others 2 (out of 280)
_LIGHT = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))


def _weight(char: str) -> int:
    point = ord(char)
    return 1 if any(lo <= point <= hi for lo, hi in _LIGHT) else 2


def counted(platform: Platform, text: str) -> int:
    """The length of `text` as `platform` counts it."""
    text = unicodedata.normalize("NFC", text)
    if not RULES[platform].weighted_urls:
        return len(text)
    urls = URL.findall(text)
    rest = URL.sub("", text)
    return TCO_URL_LENGTH * len(urls) + sum(_weight(c) for c in rest)


@dataclass(frozen=True)
class Post:
    """A finished post: within its platform's limit, with the link and disclosure in it."""

    text: str
    subject: str | None
    length: int  # as the platform counts it
    limit: int


def hashtag(word: str) -> str:
    """`#word` from a tag or category: letters and digits only ("Data Science" -> #DataScience)."""
    parts = re.findall(r"[^\W_]+", word)
    return "#" + "".join(p[:1].upper() + p[1:] for p in parts) if parts else ""


def cut(platform: Platform, text: str, budget: int) -> str:
    """`text` shortened to at most `budget` (as the platform counts), at a word boundary, with
    an ellipsis when anything was cut."""
    text = text.strip()
    if counted(platform, text) <= budget:
        return text
    if budget <= 1:
        return ""
    words = text.split(" ")
    # the most words that fit: the count only grows with each word, so a binary search
    low, high = 0, len(words)
    while low < high:
        middle = (low + high + 1) // 2
        if counted(platform, " ".join(words[:middle]) + "…") <= budget:
            low = middle
        else:
            high = middle - 1
    kept = " ".join(words[:low]).rstrip(" ,;:-—")
    if kept:
        return kept + "…"
    # one word longer than the budget: cut it by characters
    out = ""
    for char in text:
        if counted(platform, out + char + "…") > budget:
            break
        out += char
    return out + "…" if out else ""


def strip_links(text: str) -> str:
    """Remove any address a writer put in: the only link a post carries is the affiliate's."""
    return re.sub(r"[ \t]{2,}", " ", URL.sub("", text)).strip()


def finish(
    platform: Platform,
    body: str,
    *,
    link: str,
    disclosure: str,
    hashtags: Sequence[str] = (),
    subject: str | None = None,
) -> Post:
    """Put the body, hashtags, link and disclosure together within the platform's limit.

    The order is body, link, disclosure, hashtags: the disclosure right after the link, not
    buried in a string of hashtags (the FTC's advice). The link and the disclosure always stay
    whole: the body is cut to the room they leave, hashtags are dropped from the end first."""
    rules = RULES[platform]
    disclosure = disclosure.strip()
    body = strip_links(body)
    tags = [t for t in dict.fromkeys(hashtag(h) for h in hashtags) if t]
    if rules.max_hashtags is not None:
        del tags[rules.max_hashtags :]
    separator = " " if platform in (Platform.x, Platform.banner) else "\n\n"
    tail = f"{link} {disclosure}"
    while True:
        tag_line = " ".join(tags)
        fixed = separator.join(p for p in (tail, tag_line) if p)
        room = rules.limit - counted(platform, separator + fixed)
        if tags and room < min(40, rules.limit // 4):
            tags.pop()  # the body matters more than the last hashtag
            continue
        break
    body = cut(platform, body, max(room, 0))
    # a call to action ending in ":" leads straight into the link, on the next line at most
    lead = " " if separator == " " or not body.endswith(":") else "\n"
    text = lead.join(p for p in (body, tail) if p)
    text = separator.join(p for p in (text, tag_line) if p)
    if subject is not None and rules.subject_limit is not None:
        subject = cut(platform, strip_links(subject), rules.subject_limit) or "A recommendation"
    elif rules.subject_limit is not None:
        subject = "A recommendation"
    else:
        subject = None
    return Post(text=text, subject=subject, length=counted(platform, text), limit=rules.limit)
