// The WebSocket half of the API layer: one connection to `GET /v1/ws?access_token=…`, request ids,
// replies matched to requests, automatic reconnect with backoff (a fresh token each time), token
// refresh on the open connection (`auth_expiring` → a new token over HTTP → `auth_refresh`), and a
// listener list. Table state and resync live in `game/table.ts` and `game/store.ts`.
import type { ClientMessage, ServerEnvelope } from "../protocol";
import { parseServerFrame } from "../game/table";
import { apiBase } from "./http";
import { session } from "./session";

export const PROTOCOL_VERSION = 1;

export type SocketStatus = "idle" | "connecting" | "waiting" | "open" | "reconnecting" | "closed";

/** The connection's place in the server's waiting room (`queue_ticket`), while it waits. */
export interface QueuePlace {
  position: number;
  estimatedWaitMs?: number;
}
type Listener = (env: ServerEnvelope) => void;
type StatusListener = (s: SocketStatus) => void;

/** Longest wait between reconnect attempts. */
const BACKOFF_MS_MAX = 10_000;
/** A request without a reply after this long is rejected. */
const REPLY_TIMEOUT_MS = 20_000;

export function wsUrl(token: string): string {
  const base = apiBase || (typeof location !== "undefined" ? location.origin : "http://127.0.0.1:8080");
  return base.replace(/^http/, "ws") + "/v1/ws?access_token=" + encodeURIComponent(token);
}

interface Pending {
  resolve: (env: ServerEnvelope) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class GameSocket {
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private statusListeners = new Set<StatusListener>();
  private pending = new Map<string, Pending>();
  private nextId = 1;
  private attempts = 0;
  private wanted = false;
  private queue: string[] = [];
  private refreshing = false;
  status: SocketStatus = "idle";
  /** Set while the server holds the connection in its waiting room. */
  place: QueuePlace | null = null;

  /** `refresh` obtains a new access token (the session's HTTP refresh by default). */
  constructor(private refresh: () => Promise<string | null> = () => session.refresh()) {}

  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  onStatus(l: StatusListener): () => void {
    this.statusListeners.add(l);
    l(this.status);
    return () => this.statusListeners.delete(l);
  }

  private setStatus(s: SocketStatus): void {
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  /** Opens the connection if it is not open; reconnects automatically until `close()`. */
  connect(): void {
    this.wanted = true;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    void this.open();
  }

  close(): void {
    this.wanted = false;
    this.ws?.close();
    this.ws = null;
    this.setStatus("closed");
  }

  /** Drops the connection as a network failure would (tests and the "reconnect" button use it). */
  drop(): void {
    this.ws?.close(4000, "client drop");
  }

  private async open(): Promise<void> {
    this.setStatus(this.attempts === 0 ? "connecting" : "reconnecting");
    const token = await session.accessToken();
    if (!token) {
      this.setStatus("closed");
      return;
    }
    const ws = new WebSocket(wsUrl(token));
    this.ws = ws;
    ws.onopen = () => {
      this.attempts = 0;
    };
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") return;
      const env = parseServerFrame(ev.data);
      if (env) this.receive(env);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.wanted) return;
      this.attempts++;
      this.setStatus("reconnecting");
      const delay = Math.min(BACKOFF_MS_MAX, 250 * 2 ** Math.min(this.attempts, 6));
      setTimeout(() => {
        if (this.wanted) void this.open();
      }, delay);
    };
  }

  /** Handles one server envelope: replies to requests, token refresh, then the listeners. */
  receive(env: ServerEnvelope): void {
    if (env.id && this.pending.has(env.id)) {
      const p = this.pending.get(env.id)!;
      this.pending.delete(env.id);
      clearTimeout(p.timer);
      p.resolve(env);
    }
    if (env.type === "auth_expiring") void this.refreshAuth();
    if (env.type === "queue_ticket") {
      // Over capacity: wait (frames stay queued) until `welcome` admits the connection.
      this.place = { position: env.payload.position, estimatedWaitMs: env.payload.estimated_wait_ms };
      this.setStatus("waiting");
    }
    if (env.type === "welcome") {
      this.place = null;
      this.setStatus("open");
      const ws = this.ws;
      if (ws && ws.readyState === WebSocket.OPEN) for (const f of this.queue.splice(0)) ws.send(f);
    }
    for (const l of this.listeners) l(env);
  }

  /** The server's token is about to expire: get a new one and hand it to the open connection. */
  async refreshAuth(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      const token = await this.refresh();
      if (token) this.send({ type: "auth_refresh", payload: { access_token: token } });
    } finally {
      this.refreshing = false;
    }
  }

  /** Sends a message; returns its request id. Queued while (re)connecting. */
  send(msg: ClientMessage): string {
    const id = `c${this.nextId++}`;
    const frame = JSON.stringify({ v: PROTOCOL_VERSION, id, ...msg });
    if (this.ws && this.ws.readyState === WebSocket.OPEN && this.status === "open") this.ws.send(frame);
    else {
      this.queue.push(frame);
      this.connect();
    }
    return id;
  }

  /** Sends and waits for the reply that echoes the id (`ack`, `error` or the answer). */
  request(msg: ClientMessage): Promise<ServerEnvelope> {
    const id = this.send(msg);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error("timeout"));
      }, REPLY_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
    });
  }
}

export const socket = new GameSocket();
