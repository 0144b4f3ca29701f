"""Table exports: columns and rows in, a streamed CSV or XLSX download out.

Routers describe a table as `Column`s over their read schema and hand over the rows as an
async iterator (`follow` walks a cursor-paginated service function page by page), so no export
holds every row in memory. Nothing is capped: a range of any size is exported whole.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Generic, Protocol, TypeVar

import anyio
import xlsxwriter
from fastapi import Depends, Query
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import StreamingResponse

from bitnexus.core.db import Database, set_tenant
from bitnexus.core.deps import get_database, transaction
from bitnexus.core.money import as_decimal, minor_digits

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

PAGE = 500  # rows read per unit of work while exporting
CHUNK = 64 * 1024  # bytes per piece of a streamed file


class ExportFormat(enum.StrEnum):
    csv = "csv"
    xlsx = "xlsx"


FormatQuery = Annotated[
    ExportFormat, Query(alias="format", description="`csv` (default) or `xlsx`.")
]

DatabaseDep = Annotated[Database, Depends(get_database)]  # for the pages read while streaming

MEDIA_TYPES = {
    ExportFormat.csv: "text/csv; charset=utf-8",
    ExportFormat.xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# the OpenAPI `responses=` entry of an export route
EXPORT_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in MEDIA_TYPES.values()}},
}


class Kind(enum.Enum):
    text = "text"
    integer = "integer"
    money = "money"  # integer minor units, shown with the currency's exponent
    datetime = "datetime"  # ISO 8601, UTC
    date = "date"  # ISO 8601 (a UTC day)


@dataclass(frozen=True)
class Column(Generic[T]):
    """One column of an export: its header, how to read its value from a row, and its kind.
    A money column also says how to read the row's currency (ISO 4217)."""

    header: str
    value: Callable[[T], Any]
    kind: Kind = Kind.text
    currency: Callable[[T], str] | None = None


def text(header: str, value: Callable[[T], Any]) -> Column[T]:
    return Column(header, value, Kind.text)


def integer(header: str, value: Callable[[T], int | None]) -> Column[T]:
    return Column(header, value, Kind.integer)


def money(header: str, value: Callable[[T], int | None], currency: Callable[[T], str]) -> Column[T]:
    return Column(header, value, Kind.money, currency)


def day(header: str, value: Callable[[T], dt.date | None]) -> Column[T]:
    return Column(header, value, Kind.date)


def timestamp(header: str, value: Callable[[T], dt.datetime | None]) -> Column[T]:
    return Column(header, value, Kind.datetime)


# A cell starting with one of these is read as a formula by spreadsheets (CSV injection,
# OWASP): a leading apostrophe makes it text. Numbers are not text and keep their sign.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, (list, tuple)):
        return "; ".join(_as_text(v) for v in value)
    return str(value)


def safe_text(value: str) -> str:
    """Text that no spreadsheet runs as a formula."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def cell(column: Column[T], row: T) -> str:
    """The column's value in a row as CSV text."""
    value = column.value(row)
    if value is None:
        return ""
    match column.kind:
        case Kind.money:
            assert column.currency is not None
            return as_decimal(int(value), column.currency(row))
        case Kind.integer:
            return str(int(value))
        case Kind.datetime:
            return _utc(value).isoformat().replace("+00:00", "Z")
        case Kind.date:
            return str(value.isoformat())
        case Kind.text:
            return safe_text(_as_text(value))


async def csv_chunks(columns: Sequence[Column[T]], rows: AsyncIterator[T]) -> AsyncIterator[bytes]:
    """RFC 4180 CSV (CRLF, quoted as needed), UTF-8 with a byte-order mark so that Excel reads
    it as UTF-8; one piece per row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: list[str]) -> bytes:
        writer.writerow(values)
        data = out.getvalue()
        out.seek(0)
        out.truncate()
        return data.encode()

    yield b"\xef\xbb\xbf" + line([c.header for c in columns])
    async for row in rows:
        yield line([cell(c, row) for c in columns])


class _Sheet:
    """An XLSX sheet written row by row to a temporary file (XlsxWriter's constant_memory mode
    flushes each row as the next begins)."""

    def __init__(self, path: str) -> None:
        self.book = xlsxwriter.Workbook(
            path, {"constant_memory": True, "tmpdir": os.path.dirname(path)}
        )
        self.sheet = self.book.add_worksheet()
        self.when = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.day = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.bold = self.book.add_format({"bold": True})
        self.amounts: dict[int, Any] = {}
        self.row = 0

    def amount_format(self, digits: int) -> Any:
        if digits not in self.amounts:
            pattern = "0." + "0" * digits if digits else "0"
            self.amounts[digits] = self.book.add_format({"num_format": pattern})
        return self.amounts[digits]

    def header(self, columns: Sequence[Column[T]]) -> None:
        for i, column in enumerate(columns):
            self.sheet.write_string(0, i, column.header, self.bold)
        self.row = 1

    def write(self, columns: Sequence[Column[T]], row: T) -> None:
        for i, column in enumerate(columns):
            value = column.value(row)
            if value is None:
                continue
            match column.kind:
                case Kind.money:
                    assert column.currency is not None
                    code = column.currency(row)
                    # a spreadsheet number is a double: exact for amounts below 2**53 minor units
                    number = float(Decimal(as_decimal(int(value), code)))
                    self.sheet.write_number(
                        self.row, i, number, self.amount_format(minor_digits(code))
                    )
                case Kind.integer:
                    self.sheet.write_number(self.row, i, int(value))
                case Kind.datetime:
                    naive = _utc(value).replace(tzinfo=None)
                    self.sheet.write_datetime(self.row, i, naive, self.when)
                case Kind.date:
                    midnight = dt.datetime.combine(value, dt.time())
                    self.sheet.write_datetime(self.row, i, midnight, self.day)
                case Kind.text:
                    # write_string: never a formula, whatever the text starts with
                    self.sheet.write_string(self.row, i, _as_text(value))
        self.row += 1


def _read_chunks(path: str) -> Iterator[bytes]:
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            yield chunk


async def xlsx_chunks(columns: Sequence[Column[T]], rows: AsyncIterator[T]) -> AsyncIterator[bytes]:
    """An XLSX workbook of one sheet, built in a temporary directory, then sent in pieces."""
    with tempfile.TemporaryDirectory(prefix="bitnexus-export-") as folder:
        path = os.path.join(folder, "export.xlsx")
        sheet = _Sheet(path)
        sheet.header(columns)
        async for row in rows:
            sheet.write(columns, row)
        await anyio.to_thread.run_sync(sheet.book.close)  # zips the sheet: CPU and disk
        for chunk in _read_chunks(path):
            yield chunk


class Paged(Protocol[T_co]):
    """A page of a cursor-paginated list (`items`, `next_cursor`), as list routes return."""

    @property
    def items(self) -> Sequence[T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


Fetch = Callable[[AsyncSession, str | None], Awaitable[Paged[T]]]


async def rows(
    session: AsyncSession, db: Database, tenant_id: uuid.UUID, fetch: Fetch[T]
) -> AsyncIterator[T]:
    """Every row of a paginated list. The first page is read now, in the request's unit of
    work, so that a refusal (the role, a filter, a missing account) is an error answer and not
    a broken download; the rest as the download goes (`follow`)."""
    first = await fetch(session, None)
    return follow(db, tenant_id, first, fetch)


async def follow(
    db: Database, tenant_id: uuid.UUID, first: Paged[T], fetch: Fetch[T]
) -> AsyncIterator[T]:
    """Rows of `first`, then of every following page, each page read in a unit of work of its
    own: no connection is held while the client reads, and a keyset cursor needs no snapshot."""
    page = first
    for row in page.items:
        yield row
    while page.next_cursor is not None:
        async with transaction(db) as session:
            await set_tenant(session, tenant_id)
            page = await fetch(session, page.next_cursor)
        for row in page.items:
            yield row


async def follow_listed(items: Sequence[T]) -> AsyncIterator[T]:
    """The rows of a list read whole (one that is not paginated), as an export's rows."""
    for row in items:
        yield row


def filename(table: str, slug: str, fmt: ExportFormat, today: dt.date | None = None) -> str:
    """`commissions-acme-2026-12-04.csv`: what, whose, when."""
    day = today or dt.datetime.now(dt.UTC).date()
    return f"{table}-{slug}-{day.isoformat()}.{fmt.value}"


def response(
    fmt: ExportFormat, columns: Sequence[Column[T]], rows: AsyncIterator[T], name: str
) -> StreamingResponse:
    """The download: rows rendered as they arrive (CSV) or once the workbook is built (XLSX)."""
    body = csv_chunks(columns, rows) if fmt == ExportFormat.csv else xlsx_chunks(columns, rows)
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
