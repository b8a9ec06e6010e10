// Reads the contests API's JSON (docs/compete.md, "The HTTP API") into the shapes of `types.ts`:
// integers stay integers (money in minor units, never floats), user ids and tickets become decimal
// strings, and a missing or odd field gets a safe default instead of crashing a screen.
import type {
  ContestDetail,
  ContestResult,
  ContestStatus,
  ContestSummary,
  DrawWinnerView,
  Grant,
  LocalizedName,
  Mission,
  MissionStage,
  MyStanding,
  PrizeScheme,
  PrizeStep,
  PrizeTable,
  RewardView,
  StandingRow,
  Standings,
} from "./types";

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** An integer (minor units, ranks, scores, times); a non-integer or missing value reads as `dflt`. */
function int(v: unknown, dflt = 0): number {
  const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === "number" && Number.isInteger(n) ? n : dflt;
}

function intOrNull(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const n = int(v, NaN);
  return Number.isNaN(n) ? null : n;
}

/** A decimal string (user ids, tickets): numbers are converted without going through floats twice. */
function dec(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v).toString();
  return "";
}

const str = (v: unknown, dflt = ""): string => (typeof v === "string" ? v : dflt);
const strOrNull = (v: unknown): string | null => (typeof v === "string" ? v : null);

export function parseName(v: unknown): LocalizedName {
  if (typeof v === "string") return { en: v, zh: v };
  const o = obj(v);
  return { en: str(o.en), zh: str(o.zh) };
}

const STATUSES: readonly ContestStatus[] = ["active", "upcoming", "ended", "cancelled"];

export function parseContestSummary(v: unknown): ContestSummary {
  const o = obj(v);
  const status = str(o.status) as ContestStatus;
  const out: ContestSummary = {
    id: str(o.id),
    kind: str(o.kind, "tournament"),
    name: parseName(o.name),
    starts_at_ms: intOrNull(o.starts_at_ms),
    ends_at_ms: intOrNull(o.ends_at_ms),
    status: STATUSES.includes(status) ? status : "active",
    join: o.join === "opt_in" ? "opt_in" : "open",
    joined: o.joined === true,
    entry_fee: int(o.entry_fee),
    currency: strOrNull(o.currency),
  };
  if (typeof o.private === "boolean") out.private = o.private;
  return out;
}

export function parseContestList(v: unknown): ContestSummary[] {
  const o = obj(v);
  return arr(Array.isArray(v) ? v : o.contests).map(parseContestSummary);
}

function parseStep(v: unknown): PrizeStep {
  const o = obj(v);
  const share = obj(o.share);
  return {
    from: int(o.from, 1),
    to: int(o.to, int(o.from, 1)),
    share: "amount" in share ? { amount: int(share.amount) } : { basis_points: int(share.basis_points) },
  };
}

export function parsePrizeTable(v: unknown): PrizeTable | null {
  if (!v || typeof v !== "object") return null;
  const o = obj(v);
  const scheme = (["ladder", "proportional", "ticket_draw"] as const).includes(o.scheme as PrizeScheme) ? (o.scheme as PrizeScheme) : "ladder";
  const options = obj(o.options);
  const pool = obj(o.pool);
  return {
    scheme,
    ladder: arr(o.ladder).map(parseStep),
    places: intOrNull(options.places),
    winners: intOrNull(options.winners),
    pool: { fixed: int(pool.fixed), stake_share_basis_points: int(pool.stake_share_basis_points), ceiling: intOrNull(pool.ceiling) },
    currency: strOrNull(o.currency),
    claim_within_ms: intOrNull(o.claim_within_ms),
  };
}

function parseWinner(v: unknown): DrawWinnerView {
  const o = obj(v);
  return { place: int(o.place), user_id: dec(o.user_id), ticket: dec(o.ticket) };
}

export function parseResult(v: unknown): ContestResult | null {
  if (!v || typeof v !== "object") return null;
  const o = obj(v);
  const draw = o.draw && typeof o.draw === "object" ? obj(o.draw) : null;
  return {
    pool: int(o.pool),
    paid: int(o.paid),
    remainder: int(o.remainder),
    entry_fees: int(o.entry_fees),
    staked: int(o.staked),
    participants: int(o.participants),
    prizes: arr(o.prizes).map((p) => {
      const x = obj(p);
      return { rank: int(x.rank), user_id: dec(x.user_id), amount: int(x.amount) };
    }),
    claim_until_ms: intOrNull(o.claim_until_ms),
    draw: draw
      ? {
          commitment: str(draw.commitment),
          seed: str(draw.seed),
          tickets: arr(draw.tickets).map((t) => {
            const pair = arr(t);
            return [dec(pair[0]), dec(pair[1])] as [string, string];
          }),
          winners: arr(draw.winners).map(parseWinner),
        }
      : null,
    standings: arr(o.standings).map((r) => {
      const x = obj(r);
      return { rank: int(x.rank), user_id: dec(x.user_id), score: int(x.score) };
    }),
  };
}

export function parseContestDetail(v: unknown): ContestDetail {
  const o = obj(v);
  const scoring = o.scoring && typeof o.scoring === "object" ? obj(o.scoring) : null;
  return {
    ...parseContestSummary(v),
    version: int(o.version, 1),
    final: o.final === true,
    private: o.private === true,
    games: arr(o.games).filter((g): g is string => typeof g === "string"),
    scoring: scoring
      ? { mode: str(scoring.mode), formula: strOrNull(scoring.formula), best_n: intOrNull(scoring.best_n), min_bet: int(scoring.min_bet) }
      : null,
    tie_break: arr(o.tie_break).filter((g): g is string => typeof g === "string"),
    prizes: parsePrizeTable(o.prizes),
    commitment: str(o.commitment),
    seed: strOrNull(o.seed),
    result: parseResult(o.result),
  };
}

export function parseStandings(v: unknown): Standings {
  const o = obj(v);
  const top: StandingRow[] = arr(o.top).map((r) => {
    const x = obj(r);
    return { rank: int(x.rank), user_id: dec(x.user_id), display_name: str(x.display_name), score: int(x.score) };
  });
  let me: MyStanding | null = null;
  if (o.me && typeof o.me === "object") {
    const m = obj(o.me);
    me = { rank: int(m.rank), score: int(m.score), delta: int(m.delta) };
  }
  return { top, me, final: o.final === true };
}

export function parseGrant(v: unknown): Grant | null {
  const o = obj(v);
  if (o.chips && typeof o.chips === "object") {
    const c = obj(o.chips);
    return { chips: { currency: str(c.currency), amount: int(c.amount) } };
  }
  if (o.points && typeof o.points === "object") return { points: { amount: int(obj(o.points).amount) } };
  if (o.free_spins && typeof o.free_spins === "object") {
    const f = obj(o.free_spins);
    return { free_spins: { game: str(f.game), spins: int(f.spins), bet: int(f.bet), currency: str(f.currency) } };
  }
  return null;
}

function parseStage(v: unknown): MissionStage {
  const o = obj(v);
  return {
    id: str(o.id),
    progress: int(o.progress),
    target: Math.max(0, int(o.target)),
    done: o.done === true,
    reward: arr(o.reward)
      .map(parseGrant)
      .filter((g): g is Grant => g !== null),
  };
}

export function parseMissions(v: unknown): Mission[] {
  return arr(Array.isArray(v) ? v : obj(v).missions).map((m) => {
    const o = obj(m);
    return { id: str(o.id), name: parseName(o.name), repeat: str(o.repeat, "once"), ends_at_ms: intOrNull(o.ends_at_ms), stages: arr(o.stages).map(parseStage) };
  });
}

export function parseReward(v: unknown): RewardView {
  const o = obj(v);
  return {
    id: str(o.id),
    kind: str(o.kind),
    source: str(o.source),
    grant: parseGrant(o.grant),
    amount: int(o.amount),
    currency: strOrNull(o.currency),
    status: str(o.status, "offered"),
    created_at_ms: int(o.created_at_ms),
    expires_at_ms: intOrNull(o.expires_at_ms),
    settled_at_ms: intOrNull(o.settled_at_ms),
  };
}

export function parseRewards(v: unknown): RewardView[] {
  return arr(Array.isArray(v) ? v : obj(v).rewards).map(parseReward);
}
