"""A notification as mail: in the organisation's colours, with its name and logo, as HTML and
as plain text, with a one-click unsubscribe link for its kind (RFC 8058)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib import resources
from string import Template

from bitnexus.core.mail import Mail


@dataclass(frozen=True)
class Branding:
    name: str
    colour: str  # "#rrggbb"
    logo_url: str | None  # absolute


@dataclass(frozen=True)
class Letter:
    to: str
    name: str  # the recipient's
    title: str
    body: str
    open_url: str  # where the notification leads, absolute
    unsubscribe_url: str
    kind_label: str


def mail(brand: Branding, letter: Letter) -> Mail:
    text = (
        f"Hello {letter.name},\n\n{letter.title}\n\n{letter.body}\n\n"
        f"Open: {letter.open_url}\n\n"
        f"-- \n{brand.name}\n"
        f"You get this mail for: {letter.kind_label}. To stop it: {letter.unsubscribe_url}\n"
    )
    return Mail(
        to=letter.to,
        subject=f"{letter.title} · {brand.name}",
        body=text,
        html=_html(brand, letter),
        headers={
            "List-Unsubscribe": f"<{letter.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


_PAGE = Template((resources.files(__package__) / "templates" / "notification.html").read_text())


def _html(brand: Branding, letter: Letter) -> str:
    e = escape
    logo = (
        f'<img src="{e(brand.logo_url)}" alt="" height="32" '
        'style="vertical-align:middle;margin-right:8px">'
        if brand.logo_url
        else ""
    )
    return _PAGE.substitute(
        colour=e(brand.colour),
        logo=logo,
        organisation=e(brand.name),
        name=e(letter.name),
        title=e(letter.title),
        body=e(letter.body),
        open_url=e(letter.open_url),
        unsubscribe_url=e(letter.unsubscribe_url),
        kind=e(letter.kind_label),
    )
