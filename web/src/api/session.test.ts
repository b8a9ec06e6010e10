// The refresh token never reaches script-readable storage: the client asks for it as the server's
// HttpOnly cookie, keeps only the public profile in localStorage, refreshes with an empty body (the
// cookie travels by itself), and trades a token an older client left in localStorage once.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AuthResponse } from "./types";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string): string | null {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.items.set(k, v);
  }
  removeItem(k: string): void {
    this.items.delete(k);
  }
}

const user = { id: "1", display_name: "Player", is_guest: true, email: null } as unknown as AuthResponse["user"];
const answer = (access: string): AuthResponse => ({ access_token: access, expires_in: 900, token_type: "Bearer", user }) as AuthResponse;

let store: MemoryStorage;
let calls: Array<{ url: string; init: RequestInit }>;

async function freshSession() {
  vi.resetModules();
  return (await import("./session")).session;
}

beforeEach(() => {
  store = new MemoryStorage();
  calls = [];
  vi.stubGlobal("localStorage", store);
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(JSON.stringify(answer(`access-${calls.length}`)), { status: 200, headers: { "Content-Type": "application/json" } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
});

describe("session", () => {
  it("keeps no refresh token in storage and refreshes through the cookie", async () => {
    const session = await freshSession();
    session.accept({ ...answer("a0"), refresh_token: "should-not-be-stored" });
    expect([...store.items.values()].join(" ")).not.toContain("should-not-be-stored");
    expect(session.hasRefresh()).toBe(true);
    expect(await session.refresh()).toBe("access-1");
    expect(calls).toHaveLength(1);
    const init = calls[0].init;
    expect(calls[0].url).toBe("/v1/auth/refresh");
    expect((init.headers as Record<string, string>)["X-Refresh-Cookie"]).toBe("1");
    expect(init.body).toBe("{}");
    expect(init.credentials ?? "same-origin").toBe("same-origin");
  });

  it("trades an older client's stored token for the cookie once, then forgets it", async () => {
    store.setItem("playhouse.refresh_token", "legacy-token");
    const session = await freshSession();
    expect(session.hasRefresh()).toBe(true);
    expect(await session.refresh()).toBe("access-1");
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ refresh_token: "legacy-token" });
    expect(store.getItem("playhouse.refresh_token")).toBe(null);
    await session.refresh();
    expect(calls[1].init.body).toBe("{}");
  });

  it("signed out: no refresh is attempted, and a refused cookie signs out", async () => {
    const session = await freshSession();
    expect(session.hasRefresh()).toBe(false);
    expect(await session.refresh()).toBe(null);
    expect(calls).toHaveLength(0);
    session.accept(answer("a0"));
    vi.stubGlobal("fetch", async () => new Response(JSON.stringify({ error: { code: "unauthorized", message: "no" } }), { status: 401 }));
    expect(await session.refresh()).toBe(null);
    expect(session.hasRefresh()).toBe(false);
    expect(store.getItem("playhouse.user")).toBe(null);
  });
});
