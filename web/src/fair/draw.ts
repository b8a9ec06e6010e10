// The provably fair ticket draw of tournaments (docs/compete.md, "The provably fair ticket draw"),
// reimplemented from its published spec with WebCrypto and BigInt: a player re-runs a finished
// contest's draw from its revealed seed and checks it against the published commitment.
import { hmacSha256, sha256Hex } from "./stream";

export interface DrawEntry {
  userId: string;
  /** Tickets, as a decimal string or a bigint (counts may exceed 2^53). */
  tickets: bigint;
}

export interface DrawWinner {
  place: number;
  userId: string;
  ticket: bigint;
}

const TWO_64 = 1n << 64n;

/** Drops empty entries, merges duplicate users and sorts by user id (numerically). */
export function normalizeEntries(entries: DrawEntry[]): DrawEntry[] {
  const merged = new Map<string, bigint>();
  for (const e of entries) {
    if (e.tickets <= 0n) continue;
    const id = BigInt(e.userId).toString();
    merged.set(id, (merged.get(id) ?? 0n) + e.tickets);
  }
  return [...merged.entries()]
    .map(([userId, tickets]) => ({ userId, tickets }))
    .sort((a, b) => {
      const x = BigInt(a.userId);
      const y = BigInt(b.userId);
      return x < y ? -1 : x > y ? 1 : 0;
    });
}

/** The first 8 bytes of HMAC-SHA256(seed, "{contest}:{k}:0"), big-endian. */
async function drawValue(seed: string, contest: string, k: number): Promise<bigint> {
  const mac = await hmacSha256(seed, `${contest}:${k}:0`);
  let x = 0n;
  for (let i = 0; i < 8; i++) x = (x << 8n) | BigInt(mac[i]);
  return x;
}

/** Draws up to `winners` distinct players from `entries` under `seed`. */
export async function drawWinners(seed: string, contest: string, entries: DrawEntry[], winners: number): Promise<DrawWinner[]> {
  const left = normalizeEntries(entries);
  const out: DrawWinner[] = [];
  for (let k = 0; k < winners && left.length > 0; k++) {
    const total = left.reduce((s, e) => s + e.tickets, 0n);
    const x = await drawValue(seed, contest, k);
    const ticket = (x * total) / TWO_64;
    let t = ticket;
    let i = 0;
    while (i < left.length - 1 && t >= left[i].tickets) {
      t -= left[i].tickets;
      i++;
    }
    out.push({ place: k + 1, userId: left[i].userId, ticket });
    left.splice(i, 1);
  }
  return out;
}

export interface DrawCheck {
  commitmentMatches: boolean;
  computed: DrawWinner[];
  /** Whether the computed winners equal the published ones, place by place. */
  winnersMatch: boolean;
}

/** Checks a published draw: the seed against its commitment, and the winners against a re-run. */
export async function verifyDraw(
  seed: string,
  commitment: string,
  contest: string,
  entries: DrawEntry[],
  winners: number,
  published: DrawWinner[],
): Promise<DrawCheck> {
  const commitmentMatches = (await sha256Hex(seed)) === commitment.trim().toLowerCase();
  const computed = await drawWinners(seed, contest, entries, winners);
  const winnersMatch =
    computed.length === published.length &&
    computed.every((w, i) => w.place === published[i].place && w.userId === BigInt(published[i].userId).toString() && w.ticket === published[i].ticket);
  return { commitmentMatches, computed, winnersMatch };
}
