"""The OpenAI-compatible and Gemini clients against local servers speaking their protocols:
a reply, a timeout, a refused key, a malformed reply, an overloaded server."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import pytest
from pydantic import SecretStr

from bitnexus.content.errors import (
    ProviderBadReply,
    ProviderError,
    ProviderRefusedKey,
    ProviderTimeout,
    ProviderUnavailable,
)
from bitnexus.content.platforms import Length, Platform, Tone
from bitnexus.content.providers import Provider, provider_from
from bitnexus.content.providers.base import Brief, Facts
from bitnexus.content.providers.gemini import GeminiProvider
from bitnexus.content.providers.openai_compatible import OpenAICompatibleProvider
from bitnexus.content.providers.template import TemplateProvider
from bitnexus.core.config import Settings
from tests.content.fakes import (
    Answer,
    FakeModelServer,
    chat_completion,
    error,
    fake_model_server,
    gemini_content,
)

BRIEF = Brief(
    Facts(
        "Python for Data Science", "Twelve modules.", "Courses", ["python"], "49.00 USD", "4.90 USD"
    ),
    Platform.email,
    Tone.professional,
    Length.short,
    budget=400,
)
REPLY = json.dumps({"subject": "Learn Python", "body": "Twelve modules.", "hashtags": ["#py"]})
KEY = "sk-test-secret-key"


@pytest.fixture
async def fake() -> AsyncIterator[FakeModelServer]:
    async with fake_model_server() as server:
        yield server


def _openai(fake: FakeModelServer) -> Provider:
    return OpenAICompatibleProvider(
        base_url=f"{fake.url}/v1", model="local-model", api_key=KEY, timeout=1.0
    )


def _gemini(fake: FakeModelServer) -> Provider:
    return GeminiProvider(api_key=KEY, model="gemini-test", timeout=1.0, base_url=fake.url)


PROVIDERS: dict[str, tuple[Callable[[FakeModelServer], Provider], Callable[[str], Answer]]] = {
    "openai": (_openai, chat_completion),
    "gemini": (_gemini, gemini_content),
}


@pytest.mark.parametrize("name", PROVIDERS)
async def test_a_reply_becomes_a_draft_and_the_request_carries_facts_and_rule(
    fake: FakeModelServer, name: str
) -> None:
    make, reply = PROVIDERS[name]
    fake.answer(reply(REPLY))

    draft = await make(fake).write(BRIEF)

    assert (draft.subject, draft.body, list(draft.hashtags)) == (
        "Learn Python",
        "Twelve modules.",
        ["py"],
    )
    request = fake.seen[0]
    sent = json.dumps(request.body)
    assert "Python for Data Science" in sent
    assert "49.00 USD" in sent
    assert "never invent" in sent  # the no-invented-claims rule goes with every request
    if name == "openai":
        assert request.path == "/v1/chat/completions"
        assert request.headers["authorization"] == f"Bearer {KEY}"
        assert request.body["model"] == "local-model"
    else:
        assert request.path.endswith("/models/gemini-test:generateContent")
        assert request.headers["x-goog-api-key"] == KEY


@pytest.mark.parametrize("name", PROVIDERS)
async def test_plain_text_from_a_model_that_ignores_the_format_is_the_body(
    fake: FakeModelServer, name: str
) -> None:
    make, reply = PROVIDERS[name]
    fake.answer(reply("Twelve modules on pandas."))

    draft = await make(fake).write(BRIEF)

    assert draft.body == "Twelve modules on pandas."


MALFORMED = {
    "not-json": Answer(body=b"<html>gateway</html>"),
    "no-choices": Answer(body=b'{"id": "x", "object": "chat.completion"}'),
    "empty-object": Answer(body=b"{}"),
}


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize(
    ("answer", "expected", "status"),
    [
        pytest.param(Answer(hang=True), ProviderTimeout, 504, id="timeout"),
        pytest.param(
            error(401, "Incorrect API key", "UNAUTHENTICATED"), ProviderRefusedKey, 502, id="401"
        ),
        pytest.param(
            error(403, "Permission denied", "PERMISSION_DENIED"), ProviderRefusedKey, 502, id="403"
        ),
        pytest.param(error(503, "overloaded", "UNAVAILABLE"), ProviderUnavailable, 503, id="503"),
        pytest.param(
            error(429, "slow down", "RESOURCE_EXHAUSTED"), ProviderUnavailable, 503, id="429"
        ),
        *(
            pytest.param(a, ProviderBadReply, 502, id=f"malformed-{k}")
            for k, a in MALFORMED.items()
        ),
    ],
)
async def test_failures_become_clear_provider_errors(
    fake: FakeModelServer,
    name: str,
    answer: Answer,
    expected: type[ProviderError],
    status: int,
) -> None:
    make, _ = PROVIDERS[name]
    fake.answer(answer)

    with pytest.raises(expected) as raised:
        await make(fake).write(BRIEF)

    assert raised.value.status == status
    assert KEY not in str(raised.value.detail)


@pytest.mark.parametrize("name", PROVIDERS)
async def test_an_unreachable_server_is_unavailable(name: str) -> None:
    async with fake_model_server() as gone:
        pass  # closed: nothing listens on its port any more
    make, _ = PROVIDERS[name]

    with pytest.raises(ProviderUnavailable):
        await make(gone).write(BRIEF)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        pytest.param({}, TemplateProvider, id="default-template"),
        pytest.param({"GEMINI_API_KEY": KEY}, GeminiProvider, id="gemini-when-its-key-is-set"),
        pytest.param(
            {"GEMINI_API_KEY": KEY, "BITNEXUS_CONTENT_PROVIDER": "template"},
            TemplateProvider,
            id="explicit-wins",
        ),
        pytest.param(
            {"BITNEXUS_CONTENT_PROVIDER": "openai"}, OpenAICompatibleProvider, id="openai"
        ),
    ],
)
def test_the_provider_follows_the_settings(env: dict[str, str], expected: type) -> None:
    settings = Settings(**env)  # type: ignore[arg-type]

    assert isinstance(provider_from(settings), expected)
    if "GEMINI_API_KEY" in env:
        assert isinstance(settings.gemini_api_key, SecretStr)
        assert KEY not in repr(settings)  # keys never show in logs of the settings
