// Every HTTP endpoint the client calls, in one place (paths and bodies from the issue contracts), so
// an API change is a change to this file only.
import { request } from "./http";
import { REFRESH_COOKIE_HEADERS, session } from "./session";
import type { LimitsUpdate, LimitsView } from "./limits";
import { parseContestDetail, parseContestList, parseMissions, parseReward, parseRewards, parseStandings } from "./compete";
import type {
  AuthResponse,
  BetView,
  ContestFilter,
  FairSeeds,
  FeedItem,
  GameInfo,
  LeaderboardRow,
  MatchSummary,
  Page,
  RatingView,
  RotateResponse,
  TransferView,
  UserView,
  WalletView,
} from "./types";

/** The play-money currency (2 decimals). */
export const PLAY = "PLAY";

export async function guest(): Promise<UserView> {
  const a = await request<AuthResponse>("/v1/auth/guest", { method: "POST", anonymous: true, headers: REFRESH_COOKIE_HEADERS });
  session.accept(a);
  return a.user;
}

export async function register(email: string, password: string, display_name: string): Promise<UserView> {
  const a = await request<AuthResponse>("/v1/auth/register", {
    body: { email, password, display_name },
    anonymous: true,
    headers: REFRESH_COOKIE_HEADERS,
  });
  session.accept(a);
  return a.user;
}

export async function login(email: string, password: string): Promise<UserView> {
  const a = await request<AuthResponse>("/v1/auth/login", { body: { email, password }, anonymous: true, headers: REFRESH_COOKIE_HEADERS });
  session.accept(a);
  return a.user;
}

/** Signs this session out: the access token names it; the server revokes it and deletes the cookie. */
export async function logout(): Promise<void> {
  try {
    if (session.hasRefresh()) await request("/v1/auth/logout", { body: {} });
  } finally {
    session.clear();
  }
}

export async function me(): Promise<UserView> {
  const u = await request<UserView>("/v1/me");
  session.setUser(u);
  return u;
}

export async function updateMe(display_name: string): Promise<UserView> {
  const u = await request<UserView>("/v1/me", { method: "PATCH", body: { display_name } });
  session.setUser(u);
  return u;
}

export const wallet = () => request<WalletView>("/v1/wallet");
export const transfers = (cursor?: string) =>
  request<Page<TransferView>>("/v1/wallet/transfers", { query: { cursor, limit: 50 } });

// Instant games (issue 8).
/** Reads a list whether the server answers `[...]` or `{games|items: [...]}`. */
function list<T>(v: unknown, key: string): T[] {
  if (Array.isArray(v)) return v as T[];
  const o = v as Record<string, unknown> | null;
  if (o && Array.isArray(o[key])) return o[key] as T[];
  if (o && Array.isArray(o.items)) return o.items as T[];
  return [];
}

export const games = async () => list<GameInfo>(await request<unknown>("/v1/games"), "games");
export const game = (id: string) => request<GameInfo>(`/v1/games/${encodeURIComponent(id)}`);
export const seeds = () => request<FairSeeds>("/v1/fair/seeds");
export const setClientSeed = (client_seed: string) =>
  request<FairSeeds>("/v1/fair/client-seed", { method: "PUT", body: { client_seed } });
export const rotate = () => request<RotateResponse>("/v1/fair/rotate", { method: "POST", body: {} });

/** A fresh idempotency key per bet attempt (retries of the same attempt reuse it). */
export function idempotencyKey(): string {
  const c = globalThis.crypto;
  if (c && "randomUUID" in c) return c.randomUUID();
  return `k-${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function placeBet(gameId: string, amount: number, params: unknown, key = idempotencyKey(), currency = PLAY) {
  return request<BetView>(`/v1/games/${encodeURIComponent(gameId)}/bets`, {
    body: { amount, currency, params },
    headers: { "Idempotency-Key": key },
  });
}

export const roundAction = (gameId: string, roundId: string, action: Record<string, unknown>) =>
  request<BetView>(`/v1/games/${encodeURIComponent(gameId)}/rounds/${encodeURIComponent(roundId)}/actions`, {
    body: action,
  });

export async function activeRound(gameId: string): Promise<BetView | null> {
  try {
    return await request<BetView>(`/v1/games/${encodeURIComponent(gameId)}/rounds/active`);
  } catch (e) {
    if ((e as { status?: number }).status === 404) return null;
    throw e;
  }
}

export const bets = (cursor?: string, gameId?: string) =>
  request<Page<BetView>>("/v1/bets", { query: { cursor, game: gameId } });
export const bet = (id: string) => request<BetView>(`/v1/bets/${encodeURIComponent(id)}`);
export const activity = async (gameId?: string) =>
  list<FeedItem>(await request<unknown>("/v1/activity", { query: { game: gameId } }), "items");
export const limits = () => request<LimitsView>("/v1/me/limits");
export const setLimits = (l: LimitsUpdate) => request<LimitsView>("/v1/me/limits", { method: "PUT", body: l });

// Guandan history, replays and ratings (issue 7).
export const matches = async () =>
  list<MatchSummary>(await request<unknown>("/v1/guandan/matches", { query: { player: "me" } }), "matches");
export const matchReplay = (id: string) => request<Record<string, unknown>>(`/v1/guandan/matches/${encodeURIComponent(id)}`);
export const matchCardUrl = (id: string) => `/v1/guandan/matches/${encodeURIComponent(id)}/card.png`;
export const leaderboard = async (period: "all" | "week" | "month") =>
  list<LeaderboardRow>(await request<unknown>("/v1/guandan/leaderboard", { query: { period } }), "entries");
export async function myRating(): Promise<RatingView | null> {
  try {
    return await request<RatingView>("/v1/guandan/ratings/me");
  } catch {
    return null;
  }
}

// Tournaments, leaderboards, missions and the rewards inbox (docs/compete.md, "The HTTP API").
export const contests = async (status?: ContestFilter) =>
  parseContestList(await request<unknown>("/v1/contests", { query: { status } }));
export const contest = async (id: string) => parseContestDetail(await request<unknown>(`/v1/contests/${encodeURIComponent(id)}`));
/** Joins an opt-in contest (the entry fee is held until it ends); `invite_code` for a private one. */
export const joinContest = (id: string, inviteCode?: string) =>
  request<{ id: string; joined: boolean; entry_fee: number }>(`/v1/contests/${encodeURIComponent(id)}/join`, {
    body: inviteCode ? { invite_code: inviteCode } : {},
  });
export const standings = async (id: string, top = 50, me = true) =>
  parseStandings(await request<unknown>(`/v1/contests/${encodeURIComponent(id)}/standings`, { query: { top, me: me ? 1 : undefined } }));
export const missions = async () => parseMissions(await request<unknown>("/v1/missions"));
export const rewards = async () => parseRewards(await request<unknown>("/v1/rewards"));
export const claimReward = async (id: string) =>
  parseReward(await request<unknown>(`/v1/rewards/${encodeURIComponent(id)}/claim`, { method: "POST", body: {} }));
