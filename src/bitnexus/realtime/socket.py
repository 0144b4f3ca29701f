"""One client's socket: authentication first, then its joins and leaves, its events, its
heartbeats, and the checks that close it (docs/realtime.md).

Four tasks share a socket: the reader answers the client's messages, the writer sends the
events of the joined topics as the dispatcher hands them over, the watchdog closes a silent
socket and checks the caller again, and one waits for the subscription to be dropped (the
writer may be blocked on a client that stopped reading). Whichever ends first ends the others.
A join that resumes holds the send lock while it reads and sends the backlog, so the live
events of its topic wait behind it and the ones already sent from the backlog are skipped
(`core.feed`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from bitnexus.accounts.service.sessions import Principal
from bitnexus.auth import principal_of
from bitnexus.core.config import Settings
from bitnexus.core.db import Database
from bitnexus.core.errors import BitnexusError
from bitnexus.core.events import Dispatcher, Dropped, Subscription
from bitnexus.core.feed import Seen, backlog
from bitnexus.realtime import protocol, topics
from bitnexus.realtime.limits import Sockets
from bitnexus.realtime.protocol import Auth, BadMessage, Close, Join, Leave, Ping

log = structlog.get_logger(__name__)

AUTH_SECONDS = 10.0  # the first message (`auth`) must arrive within this, or the idle timeout
CLOSE_SECONDS = 10.0  # how long a close frame may wait for a client to read what is before it
RESUME_LIMIT = 1000  # events one join replays at most; beyond, it says `reset` instead


@dataclass(frozen=True, slots=True)
class Closing:
    code: int
    reason: str


@dataclass(frozen=True, slots=True)
class Services:
    """What a socket needs of its process."""

    db: Database
    dispatcher: Dispatcher
    settings: Settings
    sockets: Sockets


async def serve(websocket: WebSocket, services: Services) -> None:
    """Run one socket from its handshake to its close."""
    await websocket.accept()
    settings = services.settings
    try:
        first = await asyncio.wait_for(
            websocket.receive(), timeout=min(AUTH_SECONDS, settings.socket_idle_seconds)
        )
        auth = _first_auth(first)
    except TimeoutError:
        return await _close(websocket, Closing(Close.NOT_AUTHENTICATED, "Send auth first."))
    except _Gone:
        return
    except _Refused as refused:
        return await _close(websocket, refused.closing)
    principal = await checked(services, auth.token)
    if isinstance(principal, Closing):
        return await _close(websocket, principal)
    user_id, tenant_id = principal.user.id, principal.tenant.id
    if (why := services.sockets.admit(settings, user_id, tenant_id)) is not None:
        return await _close(websocket, Closing(Close.TOO_MANY, why))
    try:
        closing = await Channel(websocket, services, auth.token, principal).run(auth.ref)
    finally:
        services.sockets.release(user_id, tenant_id)
    if closing is not None:
        await _close(websocket, closing)


class _Gone(Exception):
    """The client went away."""


class _Refused(Exception):
    def __init__(self, closing: Closing) -> None:
        self.closing = closing


def _first_auth(message: Mapping[str, Any]) -> Auth:
    if message["type"] == "websocket.disconnect":
        raise _Gone
    raw = message.get("text") or message.get("bytes") or ""
    assert isinstance(raw, str | bytes)
    try:
        parsed = protocol.parse(raw)
    except BadMessage as bad:
        raise _Refused(Closing(Close.NOT_AUTHENTICATED, bad.message[:120])) from None
    if not isinstance(parsed, Auth):
        raise _Refused(Closing(Close.NOT_AUTHENTICATED, "Send auth first."))
    return parsed


UNCHECKED = Closing(Close.TRY_AGAIN, "Cannot check the session now; reconnect shortly.")


async def checked(services: Services, token: str) -> Principal | Closing:
    """The caller of `token` as of now, or why not: refused (expired, revoked, suspended), or
    not checked at all (`UNCHECKED`: the database is out of reach)."""
    try:
        return await principal_of(services.db, services.settings, token)
    except BitnexusError as refused:
        if refused.status not in (401, 403):
            return UNCHECKED
        code = Close.SUSPENDED if refused.status == 403 else Close.NOT_AUTHENTICATED
        return Closing(code, refused.detail[:120])
    except Exception as error:  # e.g. the database unreachable (core.outage)
        log.warning("socket.check_failed", error=str(error))
        return UNCHECKED


async def _close(websocket: WebSocket, closing: Closing) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        # the client may be gone, or reading nothing (the close frame waits behind its events)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(websocket.close(closing.code, closing.reason), CLOSE_SECONDS)


class Channel:
    """An authenticated socket and the topics it joined."""

    def __init__(
        self, websocket: WebSocket, services: Services, token: str, principal: Principal
    ) -> None:
        self.websocket, self.services, self.settings = websocket, services, services.settings
        self.token, self.principal = token, principal
        self.subscription: Subscription = services.dispatcher.subscribe(
            (), limit=self.settings.socket_queue
        )
        self.joined: set[str] = set()
        self.seen = Seen()
        self.sending = asyncio.Lock()
        self.heard = time.monotonic()

    async def run(self, ref: protocol.Ref) -> Closing | None:
        """Serve until the client leaves (None) or the server closes the socket (why)."""
        try:
            await self._send_text(self._authenticated(ref))
        except _Gone:
            self.subscription.close()
            return None
        tasks = [
            asyncio.create_task(self._read()),
            asyncio.create_task(self._write()),
            asyncio.create_task(self._watch()),
            asyncio.create_task(self._fell_behind()),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            ended = next(iter(done))
            error = ended.exception()
            if error is None:
                closing = ended.result()
                log.info("socket.closed", code=closing.code, reason=closing.reason)
                return closing
            if isinstance(error, _Gone | WebSocketDisconnect | OSError):
                return None
            log.error("socket.failed", exc_info=error)
            return Closing(1011, "Server error.")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            self.subscription.close()

    # -- the client's messages -----------------------------------------------------------------

    async def _read(self) -> Closing:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise _Gone
            self.heard = time.monotonic()
            raw = message.get("text") or message.get("bytes") or ""
            try:
                await self._answer(protocol.parse(raw))
            except BadMessage as bad:
                await self._send_text(protocol.error(bad))

    async def _answer(self, message: protocol.Message) -> None:
        if isinstance(message, Ping):
            await self._send_text(protocol.reply("pong", message.ref))
        elif isinstance(message, Join):
            await self._join(message)
        elif isinstance(message, Leave):
            if message.topic not in self.joined:
                raise BadMessage("not_joined", f"You have not joined {message.topic}.", message.ref)
            self._leave(message.topic)
            await self._send_text(protocol.reply("left", message.ref, topic=message.topic))
        else:
            await self._reauthenticate(message)

    async def _join(self, join: Join) -> None:
        topics.check(self.principal, join.topic, join.ref)
        if join.topic in self.joined:
            await self._send_text(protocol.reply("joined", join.ref, topic=join.topic, reset=False))
            return
        if len(self.joined) >= self.settings.socket_max_topics:
            limit = self.settings.socket_max_topics
            raise BadMessage("too_many_topics", f"Join at most {limit} topics.", join.ref)
        async with self.sending:
            self.joined.add(join.topic)
            self.subscription.join(join.topic)  # first: what commits from now on is kept
            reset = False
            if join.after is not None:
                try:
                    missed = await backlog(
                        self.services.db,
                        self.principal.tenant.id,
                        join.topic,
                        join.after,
                        RESUME_LIMIT + 1,
                    )
                except Exception:
                    log.exception("socket.resume_failed")
                    self._leave(join.topic)
                    raise BadMessage(
                        "unavailable", "Cannot resume now; join again shortly.", join.ref
                    ) from None
                if len(missed) > RESUME_LIMIT:  # too far behind: reload, then follow live
                    missed, reset = [], True
                for event in missed:
                    await self._send_locked(event.json)
                self.seen.add(event.id for event in missed)
            await self._send_locked(
                protocol.reply("joined", join.ref, topic=join.topic, reset=reset)
            )

    def _leave(self, topic: str) -> None:
        self.joined.discard(topic)
        self.subscription.leave(topic)

    async def _reauthenticate(self, auth: Auth) -> None:
        """A fresh token (after the client refreshed its session) for the same user."""
        principal = await checked(self.services, auth.token)
        if principal is UNCHECKED:
            raise BadMessage("unavailable", "Cannot check the token now; send it again.", auth.ref)
        if isinstance(principal, Closing):
            raise BadMessage("auth_refused", principal.reason, auth.ref)
        if principal.user.id != self.principal.user.id:
            raise BadMessage(
                "auth_refused", "A socket stays with the user it began with.", auth.ref
            )
        self.token = auth.token
        await self._became(principal)
        await self._send_text(self._authenticated(auth.ref))

    def _authenticated(self, ref: protocol.Ref) -> str:
        return protocol.reply(
            "authenticated",
            ref,
            user_id=self.principal.user.id,
            tenant_id=self.principal.tenant.id,
            role=self.principal.role,
            idle_seconds=self.settings.socket_idle_seconds,
        )

    # -- events --------------------------------------------------------------------------------

    async def _write(self) -> Closing:
        while True:
            try:
                events = await self.subscription.batch()
            except Dropped:
                return Closing(Close.FELL_BEHIND, "Too slow to take the events; resume.")
            async with self.sending:
                for event in events:
                    if event.id in self.seen or self.joined.isdisjoint(event.topics):
                        continue  # sent from a backlog, or of a topic left since
                    await self._send_locked(event.json)

    async def _fell_behind(self) -> Closing:
        """The writer may be blocked sending to a client that stopped reading when its
        subscription is dropped: the socket closes now all the same."""
        await self.subscription.until_dropped()
        return Closing(Close.FELL_BEHIND, "Too slow to take the events; resume.")

    async def _send_text(self, text: str) -> None:
        async with self.sending:
            await self._send_locked(text)

    async def _send_locked(self, frame: str | bytes) -> None:
        """Send one frame (an event's bytes as they are, a reply as text); the caller holds
        the send lock."""
        try:
            if isinstance(frame, bytes):
                await self.websocket.send_bytes(frame)
            else:
                await self.websocket.send_text(frame)
        except (WebSocketDisconnect, RuntimeError, OSError):
            raise _Gone from None

    # -- the watchdog --------------------------------------------------------------------------

    async def _watch(self) -> Closing:
        idle, every = self.settings.socket_idle_seconds, self.settings.socket_revalidate_seconds
        last_check = time.monotonic()
        while True:
            now = time.monotonic()
            await asyncio.sleep(max(0.0, min(self.heard + idle, last_check + every) - now))
            now = time.monotonic()
            if now - self.heard >= idle:
                return Closing(Close.IDLE, f"Silent for {idle:g} s; ping more often.")
            if now - last_check >= every:
                last_check = now
                principal = await checked(self.services, self.token)
                if principal is UNCHECKED:
                    continue  # the database is out of reach: check again next time
                if isinstance(principal, Closing):
                    return principal
                await self._became(principal)

    async def _became(self, principal: Principal) -> None:
        """Take the caller as read now: a changed role leaves the topics it no longer sees."""
        self.principal = principal
        for topic in sorted(self.joined):
            try:
                topics.check(principal, topic)
            except BadMessage:
                self._leave(topic)
                await self._send_text(protocol.reply("left", topic=topic, reason="forbidden"))
