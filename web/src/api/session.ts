// The signed-in session: the access token in memory; the refresh token in the server's HttpOnly,
// Secure, SameSite=Strict `playhouse_refresh` cookie scoped to /v1/auth/refresh (no script can read
// it), so a reload keeps the player signed in. localStorage keeps only the user's public profile, as
// a "signed in" marker. Refresh tokens are single-use, so concurrent refreshes share one request.
import type { AuthResponse, UserView } from "./types";
import { apiBase } from "./http";

/** Where older clients kept the refresh token: read once, traded for the cookie, deleted. */
const LEGACY_REFRESH_KEY = "playhouse.refresh_token";
const USER_KEY = "playhouse.user";
/** The header that asks the server for the refresh token as a cookie instead of in the body. */
export const REFRESH_COOKIE_HEADERS: Record<string, string> = { "X-Refresh-Cookie": "1" };
/** Refresh this long before the access token expires. */
const EXPIRY_MARGIN_MS = 30_000;

type Listener = (user: UserView | null) => void;

function storage(): Storage | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}

class Session {
  private access: string | null = null;
  private expiresAt = 0;
  private inflight: Promise<string | null> | null = null;
  private listeners = new Set<Listener>();
  user: UserView | null = null;

  constructor() {
    const raw = storage()?.getItem(USER_KEY);
    if (raw) {
      try {
        this.user = JSON.parse(raw) as UserView;
      } catch {
        this.user = null;
      }
    }
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit(): void {
    for (const l of this.listeners) l(this.user);
  }

  /** Whether a refresh cookie may exist (someone signed in on this browser and did not sign out). */
  hasRefresh(): boolean {
    return !!storage()?.getItem(USER_KEY) || !!storage()?.getItem(LEGACY_REFRESH_KEY);
  }

  /** Stores the answer of guest / register / login / refresh. */
  accept(auth: AuthResponse, now = Date.now()): void {
    this.access = auth.access_token;
    this.expiresAt = now + Math.max(0, auth.expires_in * 1000 - EXPIRY_MARGIN_MS);
    this.user = auth.user;
    // The refresh token is in the cookie; a body token (an older server) is never stored.
    storage()?.removeItem(LEGACY_REFRESH_KEY);
    storage()?.setItem(USER_KEY, JSON.stringify(auth.user));
    this.emit();
  }

  setUser(user: UserView): void {
    this.user = user;
    storage()?.setItem(USER_KEY, JSON.stringify(user));
    this.emit();
  }

  clear(): void {
    this.access = null;
    this.expiresAt = 0;
    this.user = null;
    storage()?.removeItem(LEGACY_REFRESH_KEY);
    storage()?.removeItem(USER_KEY);
    this.emit();
  }

  /** A valid access token, refreshing when needed; null when signed out. */
  async accessToken(): Promise<string | null> {
    if (this.access && Date.now() < this.expiresAt) return this.access;
    if (!this.hasRefresh()) return null;
    return this.refresh();
  }

  /** Trades the refresh cookie for new tokens (one request at a time). */
  refresh(): Promise<string | null> {
    if (this.inflight) return this.inflight;
    if (!this.hasRefresh()) return Promise.resolve(null);
    // A token an older client left in localStorage is traded once, for the cookie.
    const legacy = storage()?.getItem(LEGACY_REFRESH_KEY) ?? null;
    this.inflight = (async () => {
      try {
        const res = await fetch(`${apiBase}/v1/auth/refresh`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Accept: "application/json", ...REFRESH_COOKIE_HEADERS },
          body: JSON.stringify(legacy ? { refresh_token: legacy } : {}),
        });
        if (res.status === 401 || res.status === 400) {
          this.clear();
          return null;
        }
        if (!res.ok) return null;
        const auth = (await res.json()) as AuthResponse;
        this.accept(auth);
        return auth.access_token;
      } catch {
        return null;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }
}

export const session = new Session();
