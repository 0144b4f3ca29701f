"""The ledger's canonical JSON is RFC 8785's, byte for byte, whatever it is given."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from bitnexus.ledger.leaf import canonical

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)  # past 2**53 JCS refuses them
    | st.text()  # every code point, lone surrogates too
    | st.floats()
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


@settings(max_examples=2000, deadline=None)
@given(VALUES)
def test_canonical_json_is_rfc8785s(value: Any) -> None:
    try:
        expected = rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as refused:
        with pytest.raises(type(refused)):
            canonical(value)
        return
    assert canonical(value) == expected


def test_key_order_is_by_utf16_code_units() -> None:
    """U+FF61 sorts before U+1F600 by code point, after it by UTF-16 code unit."""
    value = {"\uff61": 1, "\U0001f600": 2, "a": 3}
    assert canonical(value) == rfc8785.dumps(value)
    assert canonical(value).index("😀".encode()) < canonical(value).index("｡".encode())
