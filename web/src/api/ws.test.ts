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
