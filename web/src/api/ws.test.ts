// Token refresh on the open WebSocket: `auth_expiring` makes the socket fetch a new access token and
// send it as `auth_refresh`; concurrent notices share one refresh; no token, no message.
import { describe, expect, it } from "vitest";
import type { ClientMessage, ServerEnvelope } from "../protocol";
import { GameSocket } from "./ws";

const expiring: ServerEnvelope = { v: 1, type: "auth_expiring", payload: { expires_at_ms: 1_763_719_260_000, grace_ms: 10_000 } };

function harness(tokens: Array<string | null>) {
  let calls = 0;
  const sock = new GameSocket(async () => {
    calls++;
    return tokens.shift() ?? null;
  });
  const sent: ClientMessage[] = [];
  sock.send = (m: ClientMessage) => {
    sent.push(m);
    return `c${sent.length}`;
  };
  return { sock, sent, calls: () => calls };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("GameSocket token refresh", () => {
  it("answers auth_expiring with auth_refresh carrying the new token", async () => {
    const h = harness(["new-token"]);
    const seen: string[] = [];
    h.sock.on((e) => seen.push(e.type));
    h.sock.receive(expiring);
    await settle();
    expect(h.sent).toEqual([{ type: "auth_refresh", payload: { access_token: "new-token" } }]);
    expect(seen).toEqual(["auth_expiring"]);
  });
  it("refreshes once for notices that arrive together, and sends nothing without a token", async () => {
    const h = harness(["t1"]);
    h.sock.receive(expiring);
    h.sock.receive(expiring);
    await settle();
    expect(h.calls()).toBe(1);
    expect(h.sent).toHaveLength(1);
    const none = harness([null]);
    none.sock.receive(expiring);
    await settle();
    expect(none.sent).toEqual([]);
  });
  it("ignores other messages", async () => {
    const h = harness(["t1"]);
    h.sock.receive({ v: 1, type: "pong", payload: { server_time_ms: 1 } });
    await settle();
    expect(h.calls()).toBe(0);
  });
});

describe("GameSocket waiting room", () => {
  it("waits with its queue place until welcome admits it", () => {
    const sock = new GameSocket(async () => null);
    const statuses: string[] = [];
    sock.onStatus((s) => statuses.push(s));
    sock.receive({ v: 1, type: "queue_ticket", payload: { ticket: 7, position: 3 } });
    expect(sock.status).toBe("waiting");
    expect(sock.place).toEqual({ position: 3, estimatedWaitMs: undefined });
    sock.receive({ v: 1, type: "queue_ticket", payload: { ticket: 7, position: 1, estimated_wait_ms: 4_000 } });
    expect(sock.place).toEqual({ position: 1, estimatedWaitMs: 4_000 });
    const welcome = {
      v: 1,
      type: "welcome",
      payload: { protocol_version: 1, user_id: "1", server_time_ms: 1, ws_message_bytes_max: 4096, request_id_bytes_max: 64, tables: [] },
    } as unknown as ServerEnvelope;
    sock.receive(welcome);
    expect(sock.status).toBe("open");
    expect(sock.place).toBeNull();
    expect(statuses).toEqual(["idle", "waiting", "waiting", "open"]);
  });
});
