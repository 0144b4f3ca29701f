// The app's one WebSocket (docs/realtime.md): authenticated with the access token in memory
// (again after each refresh), joined to the topics the page follows, resumed from the newest
// event id seen after a reconnect, kept alive with pings, reconnected with backoff.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { socketUrl } from "./api/base";
import { accessToken, onSessionChange, refreshSession } from "./api/client";
import { queryClient } from "./queryClient";

export type SocketState = "connected" | "reconnecting" | "offline";

export interface SocketEvent {
  id: number;
  type: string;
  tenant_id: string;
  topics: string[];
  at: string;
  data: Record<string, unknown>;
}

type Handler = (event: SocketEvent) => void;

const PING_MS = 20_000; // the server closes a socket silent for 60 s
const PONG_MS = 10_000; // no answer to a ping within this: the connection is dead
const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
const OFFLINE_AFTER = 3; // failed attempts in a row before the indicator says offline
const RECENT_IDS = 256;
const RENEW_BEFORE_MS = 60_000; // refresh the session this long before the token expires
const CLOSE = { notAuthenticated: 4401, suspended: 4403, tooMany: 4429 } as const;

class Channels {
  private ws: WebSocket | null = null;
  private authenticated = false;
  private state: SocketState = "offline";
  private readonly stateListeners = new Set<() => void>();
  private readonly handlers = new Map<string, Set<Handler>>();
  private lastId: number | null = null; // the newest event id this tab received
  private readonly recent = new Set<number>(); // the ids received lately, oldest first
  private failures = 0;
  private retry: ReturnType<typeof setTimeout> | null = null;
  private pinger: ReturnType<typeof setInterval> | null = null;
  private deadline: ReturnType<typeof setTimeout> | null = null;
  private renewal: ReturnType<typeof setTimeout> | null = null;
  private started = false;
  private wanted = false; // signed in: keep a socket open
  private userId: string | null = null; // whose token the socket is opened with
  private readonly decoder = new TextDecoder();

  start(): void {
    if (this.started) return;
    this.started = true;
    onSessionChange((session) => {
      if (!session) return this.stop();
      this.wanted = true;
      if (session.user.id !== this.userId) {
        // another user signed in on this tab: nothing of the previous one's socket carries over
        this.userId = session.user.id;
        this.lastId = null;
        this.recent.clear();
        this.connect();
      } else if (this.ws && this.authenticated) {
        this.send({ op: "auth", token: session.access_token });
      } else if (!this.ws) {
        this.connect();
      }
    });
    window.addEventListener("online", () => this.wanted && !this.ws && this.connect());
    if (accessToken()) {
      this.wanted = true;
      this.connect();
    }
  }

  getState = (): SocketState => this.state;

  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  /** Follow `topic`: `handler` gets each of its events until the returned function is called. */
  follow(topic: string, handler: Handler): () => void {
    let set = this.handlers.get(topic);
    if (!set) {
      set = new Set();
      this.handlers.set(topic, set);
      if (this.authenticated) this.send({ op: "join", topic }); // from now: nothing to resume
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(topic);
      if (!current) return;
      current.delete(handler);
      if (current.size === 0) {
        this.handlers.delete(topic);
        if (this.authenticated) this.send({ op: "leave", topic });
      }
    };
  }

  private setState(state: SocketState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of this.stateListeners) listener();
  }

  private connect(): void {
    const token = accessToken();
    if (!token) return;
    this.clearTimers();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const previous = this.ws;
    this.ws = null; // its close is not ours to handle any more
    previous?.close(1000);
    const ws = new WebSocket(socketUrl("/api/v1/socket"));
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.authenticated = false;
    ws.onopen = () => ws.send(JSON.stringify({ op: "auth", token: accessToken() ?? token }));
    ws.onmessage = (message) => this.receive(message.data);
    ws.onclose = (closed) => this.closed(ws, closed.code);
  }

  private receive(data: unknown): void {
    this.alive();
    if (data instanceof ArrayBuffer) return this.deliver(JSON.parse(this.decoder.decode(data)) as SocketEvent);
    const reply = JSON.parse(String(data)) as { op: string; user_id?: string; reset?: boolean };
    if (reply.op === "authenticated") {
      this.userId = reply.user_id ?? null;
      this.renewBeforeExpiry();
    }
    if (reply.op === "authenticated" && !this.authenticated) {
      this.authenticated = true;
      this.failures = 0;
      for (const topic of this.handlers.keys()) {
        this.send(this.lastId === null ? { op: "join", topic } : { op: "join", topic, after: this.lastId });
      }
      this.pinger = setInterval(() => this.ping(), PING_MS);
      this.setState("connected");
    } else if (reply.op === "joined" && reply.reset) {
      void queryClient.invalidateQueries(); // too much was missed to replay: reload the state
    }
  }

  private deliver(event: SocketEvent): void {
    // a resume on another process may replay an event this tab already had live
    if (this.recent.has(event.id)) return;
    this.recent.add(event.id);
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value as number);
    if (this.lastId === null || event.id > this.lastId) this.lastId = event.id;
    for (const topic of event.topics) {
      for (const handler of this.handlers.get(topic) ?? []) handler(event);
    }
  }

  /** Refresh the session shortly before the access token expires, so the socket is handed
   * the new token (`auth`) instead of being closed with 4401 when it lapses. */
  private renewBeforeExpiry(): void {
    if (this.renewal) clearTimeout(this.renewal);
    const expires = expiryOf(accessToken());
    if (expires === null) return;
    const wait = Math.max(expires - Date.now() - RENEW_BEFORE_MS, 5_000);
    this.renewal = setTimeout(() => {
      this.renewal = null;
      void refreshSession();
    }, wait);
  }

  private ping(): void {
    this.send({ op: "ping" });
    this.deadline ??= setTimeout(() => this.ws?.close(), PONG_MS);
  }

  private alive(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
  }

  private send(message: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private closed(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    this.ws = null;
    this.authenticated = false;
    this.clearTimers();
    if (!this.wanted) return this.setState("offline");
    if (code === CLOSE.suspended) {
      this.wanted = false;
      return this.setState("offline");
    }
    this.failures += 1;
    this.setState(this.failures > OFFLINE_AFTER ? "offline" : "reconnecting");
    const base = BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)] ?? 30_000;
    const wait = (code === CLOSE.tooMany ? 30_000 : base) * (0.5 + Math.random() / 2);
    this.retry = setTimeout(() => {
      this.retry = null;
      if (code === CLOSE.notAuthenticated) {
        // the token expired or was revoked: a refresh either gives a new one or signs out
        void refreshSession().then((session) => session && !this.ws && this.connect());
      } else {
        this.connect();
      }
    }, wait);
  }

  private stop(): void {
    this.wanted = false;
    this.userId = null;
    this.lastId = null;
    this.recent.clear();
    this.clearTimers();
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const ws = this.ws;
    this.ws = null;
    this.authenticated = false;
    ws?.close(1000);
    this.setState("offline");
  }

  private clearTimers(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = null;
    this.alive();
  }
}

/** When a JWT access token expires (ms since the epoch), from its `exp` claim. */
function expiryOf(token: string | null): number | null {
  const payload = token?.split(".")[1];
  if (!payload) return null;
  try {
    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

export const channels = new Channels();

/** The socket's state, for an indicator or a query that polls when it is not connected. */
export function useSocketState(): SocketState {
  useEffect(() => channels.start(), []);
  return useSyncExternalStore(channels.subscribeState, channels.getState);
}

/** Poll every `ms` while the socket is not connected (a query's `refetchInterval`). */
export function pollUnlessLive(state: SocketState, ms = 30_000): number | false {
  return state === "connected" ? false : ms;
}

/** Call `onEvent` with each event of `topic` (null: none) while the component is mounted. */
export function useTopic(topic: string | null, onEvent: Handler): void {
  const latest = useRef(onEvent);
  useEffect(() => {
    latest.current = onEvent;
  });
  useEffect(() => {
    channels.start();
    if (!topic) return;
    return channels.follow(topic, (event) => latest.current(event));
  }, [topic]);
}
