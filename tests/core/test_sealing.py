"""Sealed secrets: readable only under the key they were sealed with, for what they are bound to."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from bitnexus.core.sealing import SecretBox


@pytest.mark.parametrize(
    ("app_secret", "purpose", "bound_to"),
    [
        ("another-app-secret", "webhooks", b"endpoint-1"),
        ("app-secret", "another purpose", b"endpoint-1"),
        ("app-secret", "webhooks", b"endpoint-2"),
    ],
    ids=["other-key", "other-purpose", "other-row"],
)
def test_a_sealed_value_opens_only_where_it_was_sealed(
    app_secret: str, purpose: str, bound_to: bytes
) -> None:
    # given a value sealed for one endpoint
    sealed = SecretBox("app-secret", "webhooks").seal(b"whsec_x", b"endpoint-1")

    # then it opens there, and nowhere else
    assert SecretBox("app-secret", "webhooks").open(sealed, b"endpoint-1") == b"whsec_x"
    assert b"whsec_x" not in sealed
    with pytest.raises(InvalidTag):
        SecretBox(app_secret, purpose).open(sealed, bound_to)
