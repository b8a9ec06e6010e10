// JSON shapes of the HTTP API as the client reads them. Account and wallet shapes are fixed
// (crates/services/accounts/src/http.rs, crates/services/wallet/src/http.rs); instant-game and Guandan-history shapes follow
// the issue contracts and are read defensively (optional fields) until the server side is merged.

export interface UserView {
  id: string;
  display_name: string;
  email?: string;
  is_guest: boolean;
  created_at_ms: number;
}

export interface AuthResponse {
  access_token: string;
  /** Absent when the server set it as the HttpOnly cookie (the web client always asks for that). */
  refresh_token?: string;
  expires_in: number;
  token_type: string;
  user: UserView;
}

export interface BalanceView {
  currency: string;
  ledger?: number;
  decimals: number;
  balance: number;
  reserved?: number;
  available: number;
  display_balance?: string;
  display_available?: string;
}

export interface WalletView {
  balances: BalanceView[];
}

export interface TransferView {
  id: string;
  kind: string;
  direction: string;
  amount: number;
  currency: string;
  timestamp: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

/** `GET /v1/games` entry (fields beyond `game` are optional until the catalogue is merged). */
export interface GameInfo {
  game: string;
  id?: string;
  name?: string;
  kind?: string;
  rtp?: number | string;
  limits?: Record<string, { min?: number; max?: number; min_bet?: number; max_bet?: number }> | unknown;
  params?: unknown;
  paytables?: unknown;
  [key: string]: unknown;
}

export interface FairSeeds {
  server_seed_hash: string;
  next_server_seed_hash: string;
  client_seed: string;
  nonce: number;
}

export interface RotateResponse {
  revealed: { server_seed: string; server_seed_hash: string; client_seed: string; nonce: number };
  active: FairSeeds;
}

export interface ProvablyFair {
  server_seed_hash: string;
  client_seed: string;
  nonce: number;
  /** Present once the seed has been revealed (history). */
  server_seed?: string | null;
}

/** Answer of `POST /v1/games/{game}/bets` and one row of `GET /v1/bets`. */
export interface BetView {
  bet_id: string;
  id?: string;
  game?: string;
  amount?: number;
  currency?: string;
  params?: unknown;
  outcome: Record<string, unknown> | null;
  /** Exact decimal string (docs/games-api.md); `null` never sent for a bet but kept for safety. */
  multiplier: string | null;
  payout: number | null;
  balance?: number | BalanceView | null;
  provably_fair: ProvablyFair;
  /** Multi-step rounds: the round id and its public view. */
  round_id?: string;
  round?: RoundView | null;
  state?: string;
  created_at?: string | number;
  [key: string]: unknown;
}

export interface RoundView {
  id?: string;
  round_id?: string;
  game?: string;
  state?: string;
  [key: string]: unknown;
}

export interface FeedItem {
  game: string;
  player: string;
  amount: number;
  currency: string;
  /** Exact decimal string (docs/games-api.md). */
  multiplier: string;
  payout: number;
  at?: string | number;
  bet_id?: string;
}


export interface MatchSummary {
  id: string;
  match_id?: string;
  started_at?: string | number;
  finished_at?: string | number;
  winner?: number | null;
  seats?: Array<{ seat: number; name?: string; user_id?: string | null; bot?: boolean }>;
  mode?: string;
  [key: string]: unknown;
}

/** A rating tier as the server sends it (`server::ratings::TierView`). */
export interface Tier {
  id: string;
  name: string;
  name_zh: string;
  min_rating: number;
}

/** The tier's name in the reader's language (tolerates an older plain-string form). */
export function tierName(tier: Tier | string | undefined | null, locale: string): string {
  if (!tier) return "";
  if (typeof tier === "string") return tier;
  return locale === "zh-CN" ? tier.name_zh : tier.name;
}

export interface LeaderboardRow {
  rank?: number;
  user_id?: string;
  name?: string;
  display_name?: string;
  rating?: number;
  tier?: Tier;
  matches?: number;
  wins?: number;
  /** Display rating gained in the period (week and month boards). */
  rating_gained?: number;
  [key: string]: unknown;
}

export interface RatingView {
  rating?: number;
  tier?: Tier;
  matches?: number;
  [key: string]: unknown;
}
