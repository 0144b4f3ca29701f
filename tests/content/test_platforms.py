"""Platform limits: how each counts, and that a finished post always fits with its link and
disclosure whole."""

from __future__ import annotations

import re

import pytest

from bitnexus.content.errors import PostDoesNotFit
from bitnexus.content.platforms import RULES, Platform, counted, cut, finish, hashtag, strip_links
from bitnexus.content.service import check_fits

LINK = "https://go.example.org/r/AbCdEfGhIjKl"
LONG_BODY = " ".join(["Learn the basics of data analysis with Python, step by step."] * 2_000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("hello", 5, id="latin"),
        pytest.param(f"see {LINK}", 4 + 23, id="url-is-23"),
        pytest.param("https://a.b", 23, id="short-url-is-23-too"),
        pytest.param(f"{LINK} and {LINK}", 23 + 5 + 23, id="each-url"),
        pytest.param("日本語", 6, id="cjk-weighs-2"),
        pytest.param("café", 4, id="nfc-accents-weigh-1"),
        pytest.param("“quote” — dash", 14, id="general-punctuation-weighs-1"),
    ],
)
def test_x_counts_every_url_as_23_and_wide_characters_as_2(text: str, expected: int) -> None:
    assert counted(Platform.x, text) == expected


def test_other_platforms_count_code_points_with_urls_whole() -> None:
    assert counted(Platform.linkedin, f"see {LINK}") == 4 + len(LINK)
    assert counted(Platform.instagram, "e\u0301") == 1  # NFC: one code point


@pytest.mark.parametrize("platform", list(Platform))
@pytest.mark.parametrize("disclosure", ["#ad", "Paid partnership: I earn a commission"])
def test_a_finished_post_fits_and_keeps_link_and_disclosure(
    platform: Platform, disclosure: str
) -> None:
    # given a body far longer than any platform allows, with many hashtags
    # when the post is finished
    post = finish(
        platform,
        LONG_BODY,
        link=LINK,
        disclosure=disclosure,
        hashtags=[f"tag{i}" for i in range(50)],
        subject="S" * 500,
    )

    # then it fits, and the link and the disclosure are whole, with only hashtags after them
    assert post.length == counted(platform, post.text) <= RULES[platform].limit
    _, after = post.text.split(f"{LINK} {disclosure}")
    assert re.fullmatch(r"(\s+#\w+)*", after), after  # only hashtags after the disclosure
    assert post.text.count(LINK) == 1
    if platform is Platform.email:
        assert post.subject is not None
        assert 0 < len(post.subject) <= 78
    else:
        assert post.subject is None


def test_x_post_uses_its_280_with_the_link_counted_as_23() -> None:
    post = finish(Platform.x, LONG_BODY, link=LINK, disclosure="#ad")

    assert post.limit == 280
    assert 270 <= post.length <= 280  # the body fills the room the link and #ad leave
    assert len(post.text) > 280 - 23  # counted with the link as 23, not its 37 characters


def test_instagram_keeps_at_most_30_hashtags() -> None:
    post = finish(
        Platform.instagram,
        "Short.",
        link=LINK,
        disclosure="#ad",
        hashtags=[f"t{i}" for i in range(40)],
    )

    tags = [w for w in post.text.split() if w.startswith("#") and w != "#ad"]
    assert len(tags) == 30


def test_a_writers_own_links_are_removed() -> None:
    post = finish(
        Platform.facebook,
        "Buy at https://evil.example/x now, or http://other.example.",
        link=LINK,
        disclosure="#ad",
    )

    assert "evil.example" not in post.text
    assert "other.example" not in post.text
    assert strip_links("a https://x.y b") == "a b"


@pytest.mark.parametrize(
    ("text", "budget", "expected"),
    [
        pytest.param("one two three", 20, "one two three", id="fits"),
        pytest.param("one two three", 9, "one two…", id="at-a-word"),
        pytest.param("abcdefghij", 5, "abcd…", id="one-long-word"),
        pytest.param("one two", 0, "", id="no-room"),
    ],
)
def test_cut_shortens_at_a_word_with_an_ellipsis(text: str, budget: int, expected: str) -> None:
    assert cut(Platform.linkedin, text, budget) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [("python", "#Python"), ("Data Science", "#DataScience"), ("c++", "#C"), ("!!", "")],
)
def test_hashtags_keep_letters_and_digits(word: str, expected: str) -> None:
    assert hashtag(word) == expected


@pytest.mark.parametrize(
    ("platform", "url_length", "disclosure", "fits"),
    [
        pytest.param(Platform.banner, 38, "#ad", True, id="banner-usual"),
        pytest.param(Platform.banner, 60, "x" * 29, True, id="banner-exactly-90"),
        pytest.param(Platform.banner, 60, "x" * 30, False, id="banner-one-over"),
        pytest.param(Platform.x, 2_000, "x" * 40, True, id="x-counts-any-url-as-23"),
    ],
)
def test_a_platform_too_short_for_link_and_disclosure_is_refused_up_front(
    platform: Platform, url_length: int, disclosure: str, fits: bool
) -> None:
    if fits:
        check_fits(platform, url_length, disclosure)
    else:
        with pytest.raises(PostDoesNotFit) as refused:
            check_fits(platform, url_length, disclosure)
        assert refused.value.errors[0].field == "platform"
