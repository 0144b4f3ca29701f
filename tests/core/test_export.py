"""The export seam: CSV quoting and formula defence, money per currency exponent, XLSX that
opens, and rows streamed one piece at a time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from bitnexus.core import export


@dataclass
class Row:
    name: str
    amount: int | None
    currency: str
    count: int = 1
    at: dt.datetime = dt.datetime(2026, 12, 4, 12, 30, tzinfo=dt.UTC)
    day: dt.date = dt.date(2026, 12, 4)


COLUMNS: list[export.Column[Row]] = [
    export.text("Name", lambda r: r.name),
    export.money("Amount", lambda r: r.amount, lambda r: r.currency),
    export.integer("Count", lambda r: r.count),
    export.timestamp("At (UTC)", lambda r: r.at),
    export.day("Day", lambda r: r.day),
]


async def listed(rows: Sequence[Row]) -> AsyncIterator[Row]:
    for row in rows:
        yield row


async def csv_of(rows: Sequence[Row]) -> tuple[list[list[str]], list[bytes]]:
    chunks = [c async for c in export.csv_chunks(COLUMNS, listed(rows))]
    body = b"".join(chunks)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline=""))), chunks


@pytest.mark.parametrize(
    ("name", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return", "plain", "inner", "empty"],
)
async def test_text_that_a_spreadsheet_would_run_is_made_text(name: str, cell: str) -> None:
    rows, _ = await csv_of([Row(name, 100, "USD")])

    assert rows[1][0] == cell


async def test_negative_amounts_keep_their_sign() -> None:
    rows, _ = await csv_of([Row("refund", -4990, "USD")])

    assert rows[1][1] == "-49.90"


async def test_fields_are_quoted_as_rfc_4180_says() -> None:
    body = b"".join(
        [c async for c in export.csv_chunks(COLUMNS, listed([Row('a "b", c\nd', 1, "USD")]))]
    )

    assert b'"a ""b"", c\nd"' in body
    assert body.count(b"\r\n") == 2  # header and row, each ended by CRLF
    rows, _ = await csv_of([Row('a "b", c\nd', 1, "USD")])
    assert rows[1][0] == 'a "b", c\nd'


@pytest.mark.parametrize(
    ("minor", "currency", "shown"),
    [
        (4990, "USD", "49.90"),
        (5, "EUR", "0.05"),
        (4990, "JPY", "4990"),
        (12345, "KWD", "12.345"),
        (123456, "CLF", "12.3456"),
    ],
    ids=["usd", "cents", "yen-no-decimals", "dinar-three", "clf-four"],
)
async def test_money_has_the_currency_exponent(minor: int, currency: str, shown: str) -> None:
    rows, _ = await csv_of([Row("x", minor, currency)])

    assert rows[1][1] == shown


async def test_header_dates_and_missing_values() -> None:
    rows, _ = await csv_of([Row("x", None, "USD", at=dt.datetime(2026, 1, 2, 3, 4, 5))])

    assert rows[0] == ["Name", "Amount", "Count", "At (UTC)", "Day"]
    assert rows[1] == ["x", "", "1", "2026-01-02T03:04:05Z", "2026-12-04"]


async def test_offset_times_are_written_in_utc() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    rows, _ = await csv_of([Row("x", 1, "USD", at=dt.datetime(2026, 1, 2, 3, 0, tzinfo=paris))])

    assert rows[1][3] == "2026-01-02T02:00:00Z"


async def test_csv_is_streamed_a_row_at_a_time() -> None:
    many = [Row(f"r{i}", i, "USD") for i in range(3000)]

    rows, chunks = await csv_of(many)

    assert len(rows) == 3001
    assert len(chunks) == 3001


def _sheet(body: bytes) -> tuple[str, list[str]]:
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in (book.namelist())
            else ""
        )
        styles = book.read("xl/styles.xml").decode()
    # custom number formats by their code; built-in "0" (whole units) by its id, 1
    return sheet + strings, [*re.findall(r'formatCode="([^"]+)"', styles)] + (
        ["0"] if 'numFmtId="1"' in styles else []
    )


async def _xlsx(rows: Sequence[Row]) -> bytes:
    return b"".join([c async for c in export.xlsx_chunks(COLUMNS, listed(rows))])


async def test_xlsx_opens_with_numbers_as_numbers_and_text_as_text() -> None:
    body = await _xlsx([Row("=1+1", 4990, "USD", count=7), Row("yen", 500, "JPY")])

    content, formats = _sheet(body)
    assert "=1+1" in content  # kept as an inline string
    assert "<f>" not in content  # never a formula
    assert "<v>49.9</v>" in content
    assert "<v>7</v>" in content
    assert "<v>500</v>" in content
    assert "0.00" in formats
    assert "0" in formats
    assert "yyyy-mm-dd hh:mm:ss" in formats


@pytest.mark.parametrize(
    ("fmt", "name"),
    [(export.ExportFormat.csv, "sales-acme-2026-12-04.csv"), (export.ExportFormat.xlsx, None)],
    ids=["csv", "xlsx"],
)
def test_download_is_an_attachment_named_for_what_and_whose(
    fmt: export.ExportFormat, name: str | None
) -> None:
    filename = export.filename("sales", "acme", fmt, dt.date(2026, 12, 4))
    response = export.response(fmt, COLUMNS, listed([]), filename)

    assert filename == (name or "sales-acme-2026-12-04.xlsx")
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert response.media_type == export.MEDIA_TYPES[fmt]


@dataclass
class Page:
    items: list[int]
    next_cursor: str | None


async def test_follow_reads_every_page_after_the_first(monkeypatch: Any) -> None:
    opened: list[str] = []

    class FakeSession:
        pass

    async def no_tenant(*_: Any, **__: Any) -> None:
        return None

    @asynccontextmanager
    async def unit(_db: Any) -> AsyncIterator[Any]:
        opened.append("unit")
        yield FakeSession()

    monkeypatch.setattr(export, "transaction", unit)
    monkeypatch.setattr(export, "set_tenant", no_tenant)

    async def fetch(_s: Any, cursor: str | None) -> Page:
        start = int(cursor or 0)
        return Page(list(range(start, start + 2)), str(start + 2) if start < 4 else None)

    first = await fetch(None, None)
    rows = [r async for r in export.follow(Any, Any, first, fetch)]  # type: ignore[arg-type]

    assert rows == [0, 1, 2, 3, 4, 5]
    assert opened == ["unit", "unit"]  # a unit of work per following page
