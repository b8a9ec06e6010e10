// Guandan cards on the client: ordering with the level card and jokers, the two wilds (the hearts of
// the level rank), sorting by combination, and matching a selection against the server's legal moves
// (the client holds no rules of its own: `legal_moves` decides what is playable).
import type { CardCode, LegalMoves, WirePlay } from "../protocol";

export const RANKS = "23456789TJQKA";
export const SMALL_JOKER = "SB";
export const BIG_JOKER = "HR";
const SUIT_ORDER = "SHCD";

export function isJoker(c: CardCode): boolean {
  return c === SMALL_JOKER || c === BIG_JOKER;
}

export function rankOf(c: CardCode): string {
  return isJoker(c) ? c : c.slice(1);
}

export function suitOf(c: CardCode): string {
  return isJoker(c) ? "" : c[0];
}

/** Wild: the heart of the level rank (two per match deck). */
export function isWild(c: CardCode, level: string): boolean {
  return c === "H" + level;
}

export function isLevelCard(c: CardCode, level: string): boolean {
  return !isJoker(c) && rankOf(c) === level;
}

/** Strength for single cards: 2..A = 0..12, the level rank 13, small joker 14, big joker 15. */
export function cardValue(c: CardCode, level: string): number {
  if (c === BIG_JOKER) return 15;
  if (c === SMALL_JOKER) return 14;
  const r = rankOf(c);
  if (r === level) return 13;
  return RANKS.indexOf(r);
}

function suitIndex(c: CardCode): number {
  return isJoker(c) ? -1 : SUIT_ORDER.indexOf(c[0]);
}

/** Strongest first; within a rank by suit, wilds last among their rank. */
export function sortByRank(cards: CardCode[], level: string): CardCode[] {
  return [...cards].sort((a, b) => {
    const d = cardValue(b, level) - cardValue(a, level);
    if (d !== 0) return d;
    const w = Number(isWild(a, level)) - Number(isWild(b, level));
    if (w !== 0) return w;
    return suitIndex(a) - suitIndex(b);
  });
}

export interface CardGroup {
  kind: "jokers" | "bomb" | "straight_flush" | "trips" | "pair" | "single" | "wild";
  cards: CardCode[];
}

/**
 * Groups a hand the way players arrange it: four jokers, bombs (largest first), triples, pairs,
 * singles, and the wilds apart so they are easy to spend. Each card appears in exactly one group.
 */
export function groupByCombination(cards: CardCode[], level: string): CardGroup[] {
  const wilds = cards.filter((c) => isWild(c, level));
  const rest = cards.filter((c) => !isWild(c, level));
  const jokers = rest.filter(isJoker);
  const byRank = new Map<string, CardCode[]>();
  for (const c of rest.filter((c) => !isJoker(c))) {
    const r = rankOf(c);
    byRank.set(r, [...(byRank.get(r) ?? []), c]);
  }
  const groups: CardGroup[] = [];
  if (jokers.length === 4) groups.push({ kind: "jokers", cards: sortByRank(jokers, level) });
  const ranked = [...byRank.values()].map((g) => sortByRank(g, level));
  const val = (g: CardCode[]) => cardValue(g[0], level);
  const bombs = ranked.filter((g) => g.length >= 4).sort((a, b) => b.length - a.length || val(b) - val(a));
  for (const g of bombs) groups.push({ kind: "bomb", cards: g });
  for (const g of ranked.filter((g) => g.length === 3).sort((a, b) => val(b) - val(a))) groups.push({ kind: "trips", cards: g });
  for (const g of ranked.filter((g) => g.length === 2).sort((a, b) => val(b) - val(a))) groups.push({ kind: "pair", cards: g });
  const singles = ranked.filter((g) => g.length === 1).flat();
  const singleCards = jokers.length === 4 ? singles : [...jokers, ...singles];
  if (singleCards.length) groups.push({ kind: "single", cards: sortByRank(singleCards, level) });
  if (wilds.length) groups.push({ kind: "wild", cards: wilds });
  return groups;
}

function multisetKey(cards: CardCode[]): string {
  return [...cards].sort().join(",");
}

/** Shape of a card for compact-list matching: suits dropped, wilds and jokers kept. */
function shapeKey(cards: CardCode[], level: string): string {
  return cards
    .map((c) => (isJoker(c) ? c : isWild(c, level) ? "W" : rankOf(c)))
    .sort()
    .join(",");
}

/**
 * The legal plays the selected cards can make, one per declared reading. With a `full` list a play
 * must use exactly these cards; with a `compact` list (one representative per shape) a play of the
 * same ranks is accepted and sent with the selected cards (straight flushes still need their suits).
 */
export function playsForSelection(selected: CardCode[], legal: LegalMoves | null, level: string): WirePlay[] {
  if (!legal || legal.phase !== "play" || selected.length === 0) return [];
  const key = multisetKey(selected);
  const exact = legal.plays.filter((p) => multisetKey(p[2]) === key);
  if (exact.length > 0 || (legal.list === "full" && !legal.truncated)) return dedupeReadings(exact);
  const shape = shapeKey(selected, level);
  const suits = new Set(selected.filter((c) => !isJoker(c) && !isWild(c, level)).map(suitOf));
  return dedupeReadings(
    legal.plays
      .filter((p) => p[2].length === selected.length && shapeKey(p[2], level) === shape)
      .filter((p) => p[0] !== "StraightFlush" || suits.size <= 1)
      .map((p): WirePlay => [p[0], p[1], [...selected]]),
  );
}

function dedupeReadings(plays: WirePlay[]): WirePlay[] {
  const seen = new Set<string>();
  return plays.filter((p) => {
    const k = p[0] + ":" + p[1];
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Removes one instance of each card (two decks: duplicates are real). */
export function removeCards(hand: CardCode[], cards: CardCode[]): CardCode[] {
  const out = [...hand];
  for (const c of cards) {
    const i = out.indexOf(c);
    if (i >= 0) out.splice(i, 1);
  }
  return out;
}

/** Indexes into `hand` of the given cards (one per card, duplicates matched in turn). */
export function indexesOf(hand: CardCode[], cards: CardCode[]): number[] {
  const used = new Set<number>();
  const out: number[] = [];
  for (const c of cards) {
    const i = hand.findIndex((h, j) => h === c && !used.has(j));
    if (i >= 0) {
      used.add(i);
      out.push(i);
    }
  }
  return out;
}

const SUIT_SYMBOL: Record<string, string> = { S: "♠", H: "♥", C: "♣", D: "♦" };

/** Display text of a card: rank (10 for T) and suit symbol; jokers as their name key. */
export function cardLabel(c: CardCode): { rank: string; suit: string; red: boolean } {
  if (c === BIG_JOKER) return { rank: "JK", suit: "★", red: true };
  if (c === SMALL_JOKER) return { rank: "JK", suit: "☆", red: false };
  const r = rankOf(c);
  return { rank: r === "T" ? "10" : r, suit: SUIT_SYMBOL[c[0]] ?? c[0], red: c[0] === "H" || c[0] === "D" };
}
