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

// Tournaments, leaderboards, missions and rewards (docs/compete.md, "The HTTP API"). Money is integer
// minor units; user ids, tickets and the draw's numbers are decimal strings. `src/api/compete.ts`
// reads the server's JSON into these shapes.

/** A contest's or mission's name in both languages. */
export interface LocalizedName {
  en: string;
  zh: string;
}

/** The name in the reader's language (English when the Chinese one is missing). */
export function localName(name: LocalizedName, locale: string): string {
  return locale === "zh-CN" ? name.zh || name.en : name.en || name.zh;
}

export type ContestStatus = "active" | "upcoming" | "ended" | "cancelled";
/** The list's filters (`GET /v1/contests?status=…`). */
export type ContestFilter = "active" | "upcoming" | "ended" | "mine";
export const CONTEST_FILTERS: readonly ContestFilter[] = ["active", "upcoming", "ended", "mine"];

/** One row of `GET /v1/contests`. */
export interface ContestSummary {
  id: string;
  kind: string;
  name: LocalizedName;
  starts_at_ms: number | null;
  ends_at_ms: number | null;
  status: ContestStatus;
  join: "open" | "opt_in";
  joined: boolean;
  /** Minor units of `currency` (0: free). */
  entry_fee: number;
  currency: string | null;
  /** Only `GET /v1/contests/{id}` says whether an invite code is needed. */
  private?: boolean;
}

/** A ladder step: ranks `from`–`to` each win a share of the pool (basis points) or an amount. */
export interface PrizeStep {
  from: number;
  to: number;
  share: { basis_points: number } | { amount: number };
}

export type PrizeScheme = "ladder" | "proportional" | "ticket_draw";

export interface PrizeTable {
  scheme: PrizeScheme;
  /** The ladder (also the places of a ticket draw). */
  ladder: PrizeStep[];
  /** `proportional`: how many ranks share (null: everyone with a positive score). */
  places: number | null;
  /** `ticket_draw`: how many players are drawn. */
  winners: number | null;
  pool: { fixed: number; stake_share_basis_points: number; ceiling: number | null };
  currency: string | null;
  claim_within_ms: number | null;
}

export interface PrizeView {
  rank: number;
  user_id: string;
  amount: number;
}

export interface DrawWinnerView {
  place: number;
  user_id: string;
  ticket: string;
}

/** The immutable result of a final contest. */
export interface ContestResult {
  pool: number;
  paid: number;
  remainder: number;
  entry_fees: number;
  staked: number;
  participants: number;
  prizes: PrizeView[];
  claim_until_ms: number | null;
  draw: {
    commitment: string;
    seed: string;
    /** `[[user_id, tickets], …]`, both decimal strings (ticket draws only). */
    tickets: Array<[string, string]>;
    winners: DrawWinnerView[];
  } | null;
  standings: Array<{ rank: number; user_id: string; score: number }>;
}

/** `GET /v1/contests/{id}`. */
export interface ContestDetail extends ContestSummary {
  version: number;
  final: boolean;
  private: boolean;
  games: string[];
  scoring: { mode: string; formula: string | null; best_n: number | null; min_bet: number } | null;
  tie_break: string[];
  prizes: PrizeTable | null;
  /** SHA-256 of the draw seed, published before the start. */
  commitment: string;
  /** Revealed once the contest is final. */
  seed: string | null;
  result: ContestResult | null;
}

export interface StandingRow {
  rank: number;
  user_id: string;
  display_name: string;
  score: number;
}

export interface MyStanding {
  rank: number;
  score: number;
  /** Places gained since the player last asked (negative: lost). */
  delta: number;
}

/** `GET /v1/contests/{id}/standings?top=N&me=1`. */
export interface Standings {
  top: StandingRow[];
  me: MyStanding | null;
  final: boolean;
}

/** A mission stage's or a reward's grant. */
export type Grant =
  | { chips: { currency: string; amount: number } }
  | { points: { amount: number } }
  | { free_spins: { game: string; spins: number; bet: number; currency: string } };

export interface MissionStage {
  id: string;
  progress: number;
  target: number;
  done: boolean;
  reward: Grant[];
}

/** One entry of `GET /v1/missions`. */
export interface Mission {
  id: string;
  name: LocalizedName;
  repeat: "once" | "daily" | "weekly" | string;
  /** The time limit's end for this period (null: none). */
  ends_at_ms: number | null;
  stages: MissionStage[];
}

export type RewardStatus = "offered" | "paying" | "paid" | "expired";

/** One entry of `GET /v1/rewards` (and the answer of a claim). */
export interface RewardView {
  id: string;
  /** `prize` (a contest's) or `reward` (a mission stage's). */
  kind: string;
  /** The contest or mission id. */
  source: string;
  grant: Grant | null;
  amount: number;
  currency: string | null;
  status: RewardStatus | string;
  created_at_ms: number;
  expires_at_ms: number | null;
  settled_at_ms: number | null;
}
