// Card ordering, grouping by combination and selection matching against `legal_moves`.
import { describe, expect, it } from "vitest";
import type { LegalMoves } from "../protocol";
import { cardValue, groupByCombination, indexesOf, isWild, playsForSelection, removeCards, sortByRank } from "./cards";

const legal = (plays: LegalMoves["plays"], list: LegalMoves["list"] = "full", can_pass = true): LegalMoves => ({
  table_id: "t1",
  seat: 0,
  phase: "play",
  list,
  can_pass,
  plays,
  cards: [],
  truncated: false,
});

describe("ordering", () => {
  it("puts the level rank above aces and jokers on top", () => {
    expect(cardValue("SA", "5")).toBe(12);
    expect(cardValue("S5", "5")).toBe(13);
    expect(cardValue("SB", "5")).toBe(14);
    expect(cardValue("HR", "5")).toBe(15);
    expect(sortByRank(["S3", "HR", "SA", "D5", "SB", "C2"], "5")).toEqual(["HR", "SB", "D5", "SA", "S3", "C2"]);
  });
  it("marks only the heart of the level rank as wild", () => {
    expect(isWild("H7", "7")).toBe(true);
    expect(isWild("S7", "7")).toBe(false);
    expect(isWild("H7", "8")).toBe(false);
    expect(isWild("HR", "7")).toBe(false);
  });
  it("sorts wilds after the other level cards", () => {
    expect(sortByRank(["H2", "S2", "D2"], "2")).toEqual(["S2", "D2", "H2"]);
  });
});

describe("grouping by combination", () => {
  it("keeps every card exactly once, bombs first and wilds apart", () => {
    const hand = ["S9", "H9", "C9", "D9", "S9", "SK", "HK", "S4", "D4", "C4", "S3", "H2", "SB", "HR", "D7"];
    const groups = groupByCombination(hand, "2");
    expect(groups.flatMap((g) => g.cards).sort()).toEqual([...hand].sort());
    expect(groups[0]).toEqual({ kind: "bomb", cards: ["S9", "S9", "H9", "C9", "D9"] });
    expect(groups[1].kind).toBe("trips");
    expect(groups[2]).toEqual({ kind: "pair", cards: ["SK", "HK"] });
    expect(groups.at(-1)).toEqual({ kind: "wild", cards: ["H2"] });
    const singles = groups.find((g) => g.kind === "single")!;
    expect(singles.cards).toEqual(["HR", "SB", "D7", "S3"]);
  });
  it("groups four jokers together", () => {
    const groups = groupByCombination(["SB", "SB", "HR", "HR", "S3"], "2");
    expect(groups[0]).toEqual({ kind: "jokers", cards: ["HR", "HR", "SB", "SB"] });
  });
});

describe("selection against legal moves", () => {
  it("enables only selections that match a listed play", () => {
    const l = legal([
      ["Single", "5", ["S5"]],
      ["Pair", "5", ["S5", "H5"]],
    ]);
    expect(playsForSelection(["H5", "S5"], l, "2")).toEqual([["Pair", "5", ["S5", "H5"]]]);
    expect(playsForSelection(["S5"], l, "2")).toEqual([["Single", "5", ["S5"]]]);
    expect(playsForSelection(["S5", "D9"], l, "2")).toEqual([]);
    expect(playsForSelection([], l, "2")).toEqual([]);
  });
  it("offers each reading of an ambiguous selection once", () => {
    const l = legal([
      ["ThreeWithTwo", "9", ["H2", "S9", "D9", "C4", "D4"]],
      ["ThreeWithTwo", "4", ["H2", "S9", "D9", "C4", "D4"]],
    ]);
    const plays = playsForSelection(["S9", "D9", "C4", "D4", "H2"], l, "2");
    expect(plays.map((p) => p[1])).toEqual(["9", "4"]);
  });
  it("matches compact lists by shape and sends the selected cards", () => {
    const l = legal([["Pair", "K", ["SK", "HK"]]], "compact");
    expect(playsForSelection(["DK", "CK"], l, "2")).toEqual([["Pair", "K", ["DK", "CK"]]]);
    expect(playsForSelection(["DK", "CQ"], l, "2")).toEqual([]);
  });
  it("allows nothing outside the play phase", () => {
    const l: LegalMoves = { ...legal([]), phase: "tribute", cards: ["SA"] };
    expect(playsForSelection(["SA"], l, "2")).toEqual([]);
  });
});

describe("hand bookkeeping", () => {
  it("removes one copy per card (two decks)", () => {
    expect(removeCards(["S5", "S5", "H5"], ["S5"])).toEqual(["S5", "H5"]);
  });
  it("finds the positions of hinted cards, duplicates in turn", () => {
    expect(indexesOf(["S5", "H5", "S5"], ["S5", "S5"])).toEqual([0, 2]);
  });
});
