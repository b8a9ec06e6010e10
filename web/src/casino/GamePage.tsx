// One instant game: amount, the game's own controls and animation, payout preview, the result, the
// provably fair reference of the bet, and the live bet feed. Multi-step games (mines, hilo,
// blackjack) continue through round actions.
import { useEffect, useMemo, useRef, useState } from "react";
import * as api from "../api/endpoints";
import type { BetView } from "../api/types";
import { ApiError } from "../api/http";
import { live, useLive } from "../game/store";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { useAsync, useBalance } from "../pages/common";
import { cardLabel } from "../game/cards";
import { GAME_ICONS } from "../pages/Lobby";
import { diceMultiplier, limboChance, payoutPreview, multiplierText, multiplierUnits, payoutAt, roundStateOf, roundViewOf, roundIdOf } from "./math";

type Params = Record<string, unknown>;

interface GameUi {
  params: Params;
  valid: boolean;
  /** Multiplier if the bet wins (for the preview); null when it depends on play. */
  winMultiplier: number | null;
  controls: React.ReactNode;
}

function useGameUi(gameId: string, last: BetView | null, slot: { lines: number } | null): GameUi {
  const { t } = useI18n();
  const [target, setTarget] = useState(50.5);
  const [over, setOver] = useState(true);
  const [limboTarget, setLimboTarget] = useState(2);
  const [mines, setMines] = useState(3);
  const [picks, setPicks] = useState<number[]>([]);
  const [risk, setRisk] = useState("low");
  const [kenoRisk, setKenoRisk] = useState("classic");
  const [rows, setRows] = useState(8);
  const [segments, setSegments] = useState(10);
  const [rBets, setRBets] = useState<Array<Record<string, unknown>>>([]);
  const [chip, setChip] = useState(100);
  const [json, setJson] = useState("{}");

  switch (gameId) {
    case "dice": {
      const chance = over ? 100 - target : target;
      return {
        // Issue 8's contract names the side `direction` (casino's own params call it `condition`).
        params: { target: Math.round(target * 100) / 100, direction: over ? "over" : "under" },
        valid: chance >= 0.01 && chance <= 98,
        winMultiplier: diceMultiplier(chance),
        controls: (
          <div className="game-controls">
            <input type="range" min={1} max={99} step={0.5} value={target} onChange={(e) => setTarget(Number(e.target.value))} data-testid="dice-target" className="wide" />
            <div className="row">
              <label>
                {t("games.target")} <input type="number" step={0.01} min={0.01} max={99.99} value={target} onChange={(e) => setTarget(Number(e.target.value))} className="narrow" />
              </label>
              <button className={over ? "primary" : ""} onClick={() => setOver(true)} data-testid="dice-over">
                {t("games.over")}
              </button>
              <button className={!over ? "primary" : ""} onClick={() => setOver(false)} data-testid="dice-under">
                {t("games.under")}
              </button>
              <span>
                {t("games.chance")}: {chance.toFixed(2)}%
              </span>
            </div>
          </div>
        ),
      };
    }
    case "crash":
      // The auto cash-out multiplier: the bet wins it when the round's crash point reaches it.
      return {
        params: { cashout: Math.round(limboTarget * 100) / 100 },
        valid: limboTarget >= 1.01 && limboTarget <= 1_000_000,
        winMultiplier: Math.round(limboTarget * 100) / 100,
        controls: (
          <div className="game-controls row">
            <label>
              {t("games.cashoutAt")} <input type="number" step={0.01} min={1.01} value={limboTarget} onChange={(e) => setLimboTarget(Number(e.target.value))} data-testid="crash-cashout" className="narrow" />×
            </label>
            <span>
              {t("games.chance")}: {limboChance(limboTarget).toFixed(2)}%
            </span>
          </div>
        ),
      };
    case "limbo":
      return {
        params: { target: Math.round(limboTarget * 100) / 100 },
        valid: limboTarget >= 1.01 && limboTarget <= 1_000_000,
        winMultiplier: limboTarget,
        controls: (
          <div className="game-controls row">
            <label>
              {t("games.target")} <input type="number" step={0.01} min={1.01} value={limboTarget} onChange={(e) => setLimboTarget(Number(e.target.value))} data-testid="limbo-target" className="narrow" />×
            </label>
            <span>
              {t("games.chance")}: {limboChance(limboTarget).toFixed(4)}%
            </span>
          </div>
        ),
      };
    case "mines":
      return {
        params: { mines },
        valid: mines >= 1 && mines <= 24,
        winMultiplier: null,
        controls: (
          <div className="game-controls row">
            <label>
              {t("games.mines")}{" "}
              <select value={mines} onChange={(e) => setMines(Number(e.target.value))}>
                {Array.from({ length: 24 }, (_, i) => i + 1).map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
          </div>
        ),
      };
    case "keno":
      return {
        params: { picks, risk: kenoRisk },
        valid: picks.length >= 1 && picks.length <= 10,
        winMultiplier: null,
        controls: (
          <div className="game-controls">
            <div className="row">
              <span>{t("games.picks")}</span>
              <RiskSelect value={kenoRisk} onChange={setKenoRisk} options={["classic", "low", "medium", "high"]} />
              <button onClick={() => setPicks([])}>{t("table.clear")}</button>
            </div>
            <div className="keno-board">
              {Array.from({ length: 40 }, (_, i) => i + 1).map((n) => {
                const drawn = ((last?.outcome?.drawn as number[] | undefined) ?? []).includes(n);
                const picked = picks.includes(n);
                return (
                  <button
                    key={n}
                    className={`keno-cell ${picked ? "picked" : ""} ${drawn ? "drawn" : ""} ${picked && drawn ? "hit" : ""}`}
                    onClick={() => setPicks(picked ? picks.filter((x) => x !== n) : picks.length < 10 ? [...picks, n] : picks)}
                  >
                    {n}
                  </button>
                );
              })}
            </div>
          </div>
        ),
      };
    case "plinko":
      return {
        params: { rows, risk },
        valid: true,
        winMultiplier: null,
        controls: (
          <div className="game-controls row">
            <label>
              {t("games.rows")}{" "}
              <select value={rows} onChange={(e) => setRows(Number(e.target.value))}>
                {[8, 9, 10, 11, 12, 13, 14, 15, 16].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
            <RiskSelect value={risk} onChange={setRisk} options={["low", "medium", "high"]} />
          </div>
        ),
      };
    case "wheel":
      return {
        params: { segments, risk },
        valid: true,
        winMultiplier: null,
        controls: (
          <div className="game-controls row">
            <label>
              {t("games.segments")}{" "}
              <select value={segments} onChange={(e) => setSegments(Number(e.target.value))}>
                {[10, 20, 30, 40, 50].map((n) => (
                  <option key={n}>{n}</option>
                ))}
              </select>
            </label>
            <RiskSelect value={risk} onChange={setRisk} options={["low", "medium", "high"]} />
          </div>
        ),
      };
    case "roulette": {
      const add = (b: Record<string, unknown>) => setRBets([...rBets, { ...b, amount: chip }]);
      const RED = [1, 3, 5, 7, 9, 12, 14, 16, 18, 19, 21, 23, 25, 27, 30, 32, 34, 36];
      return {
        params: { bets: rBets },
        valid: rBets.length > 0,
        winMultiplier: null,
        controls: (
          <div className="game-controls">
            <div className="row">
              <label>
                {t("games.chip")} <input type="number" min={1} value={chip} onChange={(e) => setChip(Math.max(1, Math.floor(Number(e.target.value))))} className="narrow" />
              </label>
              {(["red", "black", "odd", "even", "low", "high"] as const).map((k) => (
                <button key={k} onClick={() => add({ type: k })}>
                  {k}
                </button>
              ))}
              {[1, 2, 3].map((d) => (
                <button key={d} onClick={() => add({ type: "dozen", dozen: d })}>
                  dozen {d}
                </button>
              ))}
              <button onClick={() => setRBets([])}>{t("games.clearBets")}</button>
            </div>
            <div className="roulette-board">
              {Array.from({ length: 37 }, (_, n) => (
                <button key={n} className={`rcell ${n === 0 ? "green" : RED.includes(n) ? "red" : "black"} ${last?.outcome?.pocket === n ? "hit" : ""}`} onClick={() => add({ type: "straight", numbers: [n] })}>
                  {n}
                </button>
              ))}
            </div>
            <div className="muted small">{rBets.map((b) => `${b.type}${b.numbers ? " " + (b.numbers as number[]).join(",") : b.dozen ? " " + b.dozen : ""} × ${b.amount}`).join(" · ")}</div>
          </div>
        ),
      };
    }
    case "hilo":
    case "blackjack":
      return { params: {}, valid: true, winMultiplier: null, controls: null };
    default: {
      if (slot) {
        // The server plays every line of a slot (`lines` must equal the line count): nothing to choose.
        return { params: { lines: slot.lines }, valid: true, winMultiplier: null, controls: null };
      }
      let parsed: Params | null = null;
      try {
        parsed = JSON.parse(json) as Params;
      } catch {
        parsed = null;
      }
      return {
        params: parsed ?? {},
        valid: parsed !== null,
        winMultiplier: null,
        controls: (
          <div className="game-controls">
            <p className="muted">{t("games.unknown")}</p>
            <label>
              {t("games.params")}
              <textarea value={json} onChange={(e) => setJson(e.target.value)} rows={3} />
            </label>
          </div>
        ),
      };
    }
  }
}

function RiskSelect({ value, onChange, options }: { value: string; onChange: (v: string) => void; options: string[] }) {
  const { t } = useI18n();
  return (
    <label>
      {t("games.risk")}{" "}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}

function PlayingCard({ code }: { code: string }) {
  const l = cardLabel(code);
  return (
    <span className={`pcard small static ${l.red ? "red" : "black"}`}>
      <span className="corner">
        <span className="rank">{l.rank}</span>
        <span className="suit">{l.suit}</span>
      </span>
    </span>
  );
}

/** Counts up to a number for the reveal animation. */
function useCountUp(value: number | null, ms = 600): number | null {
  const [shown, setShown] = useState<number | null>(value);
  const raf = useRef(0);
  useEffect(() => {
    if (value === null) return;
    const start = performance.now();
    const tick = (now: number) => {
      const k = Math.min(1, (now - start) / ms);
      setShown(value * (1 - (1 - k) ** 3));
      if (k < 1) raf.current = requestAnimationFrame(tick);
    };
    raf.current = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(raf.current);
  }, [value, ms]);
  return shown;
}

interface SlotSpinView {
  grid: string[][];
  line_wins?: Array<{ line: number; symbol: string; count: number; multiplier: number; win: number }>;
  ways_wins?: Array<{ symbol: string; reels: number; ways: number; multiplier: number; win: number }>;
  scatter_wins?: Array<{ symbol: string; count: number; win: number; free_spins: number }>;
  mystery?: string | null;
  win?: number;
}

/** The base spin's window (one column per reel, cells on a winning line marked), its wins, and the
 *  free spins that followed. */
function SlotOutcome({ outcome, base, info }: { outcome: Record<string, unknown>; base: SlotSpinView; info: Record<string, unknown> | null }) {
  const { t, money } = useI18n();
  const reels = base.grid.length;
  const rows = base.grid[0]?.length ?? 0;
  const paylines = ((info?.definition as { paylines?: number[][] } | undefined)?.paylines ?? []) as number[][];
  const lit = new Set<string>();
  for (const w of base.line_wins ?? []) paylines[w.line]?.slice(0, w.count).forEach((row, reel) => lit.add(`${reel}:${row}`));
  for (const w of base.scatter_wins ?? []) base.grid.forEach((col, reel) => col.forEach((sym, row) => sym === w.symbol && lit.add(`${reel}:${row}`)));
  const free = (outcome.free_spins as SlotSpinView[] | undefined) ?? [];
  const freeWin = free.reduce((sum, f) => sum + Number(f.win ?? 0), 0);
  return (
    <div className="slot-result" data-testid="slot-result">
      <div className="slot-grid" style={{ gridTemplateColumns: `repeat(${reels}, 1fr)` }}>
        {Array.from({ length: rows }, (_, row) =>
          base.grid.map((col, reel) => (
            <span key={`${reel}:${row}`} className={`slot-cell ${lit.has(`${reel}:${row}`) ? "lit" : ""}`} style={{ animationDelay: `${reel * 90}ms` }}>
              {col[row]}
            </span>
          )),
        )}
      </div>
      {base.mystery && <p className="small">{t("games.slotMystery", { symbol: base.mystery })}</p>}
      <ul className="slot-wins small">
        {(base.line_wins ?? []).map((w, i) => (
          <li key={`l${i}`}>{t("games.slotLineWin", { line: w.line + 1, count: w.count, symbol: w.symbol, mult: w.multiplier > 1 ? ` ×${w.multiplier}` : "", win: money(w.win, api.PLAY) })}</li>
        ))}
        {(base.ways_wins ?? []).map((w, i) => (
          <li key={`w${i}`}>{t("games.slotWaysWin", { reels: w.reels, symbol: w.symbol, ways: w.ways, win: money(w.win, api.PLAY) })}</li>
        ))}
        {(base.scatter_wins ?? []).map((w, i) => (
          <li key={`s${i}`}>{t("games.slotScatterWin", { count: w.count, symbol: w.symbol, win: money(w.win, api.PLAY), spins: w.free_spins })}</li>
        ))}
      </ul>
      {free.length > 0 && <p data-testid="slot-free-spins">{t("games.slotFreeSpins", { n: free.length, win: money(freeWin, api.PLAY) })}</p>}
      {outcome.capped === true && <p className="small">{t("games.slotCapped")}</p>}
    </div>
  );
}

/** Payout preview of a paytable game from the PUBLISHED catalogue (keno by hits, plinko by bucket,
 *  wheel by segment, roulette per placed bet): each multiplier and floor(stake × multiplier). */
function TablePreview({ gameId, info, params, stake, decimals }: { gameId: string; info: Record<string, unknown>; params: Params; stake: number; decimals: number }) {
  const { t, money } = useI18n();
  if (!Number.isSafeInteger(stake) || stake <= 0) return null;
  const tables = info.paytables as Record<string, Record<string, number[]>> | undefined;
  let rows: Array<[string, number, number]> = [];
  if (gameId === "keno") {
    const picks = ((params.picks as number[] | undefined) ?? []).length;
    const table = tables?.[String(params.risk)]?.[String(picks)] ?? [];
    rows = table.map((m, hits) => [t("games.previewHits", { n: hits }), m, 1] as [string, number, number]).filter(([, m]) => m > 0);
  } else if (gameId === "plinko" || gameId === "wheel") {
    const size = gameId === "plinko" ? params.rows : params.segments;
    const table = tables?.[String(params.risk)]?.[String(size)] ?? [];
    // Equal multipliers are shown once, with how many buckets or segments pay them.
    const counts = new Map<number, number>();
    for (const m of table) counts.set(m, (counts.get(m) ?? 0) + 1);
    rows = [...counts.entries()].sort((a, b) => b[0] - a[0]).map(([m, n]) => [t(gameId === "plinko" ? "games.previewBuckets" : "games.previewSegments", { n }), m, 1]);
  } else if (gameId === "roulette") {
    const table = (info.paytable ?? {}) as Record<string, number>;
    const bets = (params.bets as Array<{ type: string; amount: number }> | undefined) ?? [];
    return bets.length === 0 ? null : (
      <p className="small" data-testid="payout-preview">
        {t("games.payout")}: {bets.map((b) => `${b.type} → ${table[b.type] ? money(b.amount * table[b.type], api.PLAY, decimals) : "—"}`).join(" · ")}
      </p>
    );
  }
  if (rows.length === 0) return null;
  return (
    <p className="small table-preview" data-testid="payout-preview">
      {t("games.payout")}:{" "}
      {rows.map(([label, m], i) => (
        <span key={i} className="chip">
          {label} × {m} = {money(payoutPreview(stake, m), api.PLAY, decimals)}
        </span>
      ))}
    </p>
  );
}

/** Slot stake rules and payout preview: line bet = amount / cost, each paying run in money at that
 *  line bet, scatter pays at the total bet, and the round cap (all from the published catalogue). */
function SlotPreview({ info, stake, decimals }: { info: Record<string, unknown>; stake: number; decimals: number }) {
  const { t, money } = useI18n();
  const cost = Number(info.cost ?? 1) || 1;
  const lines = Number(info.lines ?? 0);
  if (!Number.isSafeInteger(stake) || stake <= 0) return null;
  if (stake % cost !== 0) {
    return (
      <p className="error small" data-testid="slot-stake-error">
        {t("games.slotMultiple", { cost, amount: money(cost, api.PLAY, decimals) })}
      </p>
    );
  }
  const lineBet = stake / cost;
  const pays = Object.entries((info.paytable ?? {}) as Record<string, number[]>);
  const scatters = Object.entries((info.scatter_pays ?? {}) as Record<string, number[]>);
  const maxWin = typeof info.max_win === "number" ? info.max_win : null;
  const runs = (table: number[], unit: number) =>
    table
      .map((p, i) => [i + 1, p] as const)
      .filter(([, p]) => p > 0)
      .map(([n, p]) => `${n}× ${money(p * unit, api.PLAY, decimals)}`)
      .join(" · ");
  return (
    <div className="slot-preview small" data-testid="payout-preview">
      <p>
        {lines > 0 ? t("games.slotLines", { lines }) : t("games.slotWays", { cost })} · {t("games.slotLineBet", { bet: money(lineBet, api.PLAY, decimals) })}
        {maxWin !== null && <> · {t("games.slotCap", { cap: money(maxWin * stake, api.PLAY, decimals) })}</>}
      </p>
      <details>
        <summary>{t("games.paytable")}</summary>
      <table className="list">
        <tbody>
          {pays.map(([sym, table]) => (
            <tr key={sym}>
              <td>{sym}</td>
              <td>{runs(table, lineBet)}</td>
            </tr>
          ))}
          {scatters.map(([sym, table]) => (
            <tr key={sym}>
              <td>{sym} ★</td>
              <td>{runs(table, stake)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      </details>
    </div>
  );
}

function Outcome({ gameId, bet, info }: { gameId: string; bet: BetView; info: Record<string, unknown> | null }) {
  const { t } = useI18n();
  const o = (bet.outcome ?? {}) as Record<string, unknown>;
  const num = gameId === "dice" ? Number(o.roll) : gameId === "limbo" ? Number(o.multiplier) : gameId === "crash" ? Number(o.crash_point) : null;
  const shown = useCountUp(num !== null && Number.isFinite(num) ? num : null);
  if (gameId === "dice" || gameId === "limbo" || gameId === "crash") {
    return (
      <div className="outcome-big" data-testid="outcome-value">
        {shown === null ? "—" : shown.toFixed(2)}
        {gameId !== "dice" ? "×" : ""}
      </div>
    );
  }
  if (gameId === "plinko" && typeof o.path === "string") {
    return (
      <div className="plinko">
        {o.path.split("").map((d, i) => (
          <span key={i} className="plinko-step" style={{ animationDelay: `${i * 80}ms` }}>
            {d === "R" ? "↘" : "↙"}
          </span>
        ))}
        <div className="outcome-big">
          {t("games.result")}: {String(o.bucket)}
        </div>
      </div>
    );
  }
  if (gameId === "wheel" && o.segment !== undefined) {
    return (
      <div className="wheel-result">
        <div className="wheel-spin" />
        <div className="outcome-big">#{String(o.segment)}</div>
      </div>
    );
  }
  if (gameId === "roulette" && o.pocket !== undefined) return <div className="outcome-big spin-in">{String(o.pocket)}</div>;
  const base = o.base as SlotSpinView | undefined;
  if (base && Array.isArray(base.grid)) return <SlotOutcome outcome={o} base={base} info={info} />;
  if (Array.isArray(o.cards)) return <div className="cards-row">{(o.cards as string[]).slice(0, 10).map((c, i) => <PlayingCard key={i} code={c} />)}</div>;
  return <pre className="json">{JSON.stringify(o)}</pre>;
}

function MinesBoard({ view, onReveal, busy }: { view: Record<string, unknown> | null; onReveal: (tile: number) => void; busy: boolean }) {
  const revealed = (view?.revealed as number[] | undefined) ?? [];
  const mines = (view?.mines as number[] | undefined) ?? [];
  const open = roundStateOf(view) === "open";
  return (
    <div className="mines-board">
      {Array.from({ length: 25 }, (_, i) => (
        <button
          key={i}
          className={`mine-cell ${revealed.includes(i) ? "safe" : ""} ${mines.includes(i) ? "mine" : ""}`}
          disabled={!open || busy || revealed.includes(i)}
          onClick={() => onReveal(i)}
          data-testid={`mine-${i}`}
        >
          {mines.includes(i) ? "💣" : revealed.includes(i) ? "💎" : ""}
        </button>
      ))}
    </div>
  );
}

export function GamePage({ gameId }: { gameId: string }) {
  const { t, money, num } = useI18n();
  const { feed } = useLive();
  const info = useAsync(() => api.game(gameId), [gameId]);
  const { available, decimals, setAvailable } = useBalance();
  const [amountText, setAmountText] = useState("1.00");
  const [last, setLast] = useState<BetView | null>(null);
  const [round, setRound] = useState<BetView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const slotCost = Number(info.data?.cost ?? 1) || 1;
  const slotInfo = Boolean(info.data && (String(info.data.kind ?? "").startsWith("slot") || info.data.reels !== undefined));
  // A slot plays every line: its `lines` param is the line count, or the cost for ways games.
  const ui = useGameUi(gameId, last, slotInfo ? { lines: Number(info.data?.lines) || slotCost } : null);
  const multiStep = gameId === "mines" || gameId === "hilo" || gameId === "blackjack";

  // Resume an open round of a multi-step game.
  useEffect(() => {
    setLast(null);
    setRound(null);
    if (!multiStep) return;
    api.activeRound(gameId).then(setRound, () => undefined);
  }, [gameId, multiStep]);

  useEffect(() => {
    api.activity(gameId).then((items) => live.pushFeed(items.slice(0, 20)), () => undefined);
  }, [gameId]);

  const amount = useMemo(() => {
    const v = Number(amountText);
    if (!Number.isFinite(v) || v < 0) return NaN;
    return Math.round(v * 10 ** decimals);
  }, [amountText, decimals]);

  const roulette = gameId === "roulette";
  const stake = roulette ? ((ui.params.bets as Array<{ amount: number }>) ?? []).reduce((s, b) => s + b.amount, 0) : amount;

  const afterBet = (b: BetView) => {
    const bal = b.balance;
    if (typeof bal === "number") live.setBalance(api.PLAY, bal);
    else if (bal && typeof bal === "object" && typeof bal.available === "number") live.setBalance(api.PLAY, bal.available);
    if (typeof bal === "number") setAvailable(bal);
  };

  const placeBet = async () => {
    setBusy(true);
    setError(null);
    try {
      const b = await api.placeBet(gameId, stake, ui.params);
      afterBet(b);
      if (multiStep && roundStateOf(roundViewOf(b)) === "open") setRound(b);
      else {
        setRound(null);
        setLast(b);
      }
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const act = async (action: Record<string, unknown>) => {
    if (!round) return;
    setBusy(true);
    setError(null);
    try {
      const b = await api.roundAction(gameId, roundIdOf(round), action);
      const merged: BetView = { ...round, ...b, provably_fair: b.provably_fair ?? round.provably_fair };
      afterBet(merged);
      if (roundStateOf(roundViewOf(merged)) === "open") setRound(merged);
      else {
        setRound(null);
        setLast(merged);
      }
    } catch (e) {
      setError(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const rv = round ? roundViewOf(round) : last && multiStep ? roundViewOf(last) : null;
  const preview = ui.winMultiplier !== null && Number.isFinite(stake) ? payoutPreview(stake, ui.winMultiplier) : null;
  const won = last && typeof last.payout === "number" && last.payout > 0;

  return (
    <div className="game-page" data-testid={`game-page-${gameId}`}>
      <div className="game-main card">
        <h2>
          {GAME_ICONS[gameId] ?? "🎰"} {typeof info.data?.name === "string" ? info.data.name : gameId}
          {info.data?.rtp !== undefined && (
            <small className="muted">
              {" "}
              · {t("games.rtp")} {typeof info.data.rtp === "number" ? `${num(info.data.rtp * 100, 2)}%` : String(info.data.rtp)}
            </small>
          )}
        </h2>
        {ui.controls}
        {gameId === "mines" && <MinesBoard view={rv} busy={busy} onReveal={(tile) => void act({ action: "reveal", tile })} />}
        {gameId === "hilo" && rv && (
          <div className="cards-row">
            {((rv.cards as string[] | undefined) ?? []).slice(-6).map((c, i) => (
              <PlayingCard key={i} code={c} />
            ))}
          </div>
        )}
        {gameId === "blackjack" && rv && (
          <div className="bj">
            <div>
              {t("games.dealer")}: {((rv.dealer as string[] | undefined) ?? []).map((c, i) => <PlayingCard key={i} code={c} />)}
            </div>
            {((rv.hands as Array<{ cards: string[]; total: number; result?: string | null }> | undefined) ?? []).map((h, i) => (
              <div key={i}>
                {t("games.player")} {i + 1} ({h.total}){h.result ? ` · ${h.result}` : ""}: {h.cards.map((c, j) => <PlayingCard key={j} code={c} />)}
              </div>
            ))}
          </div>
        )}

        {round ? (
          <div className="row">
            <span className="badge">{t("games.openRound")}</span>
            {rv?.multiplier !== undefined && <span>× {multiplierText(rv.multiplier)}</span>}
            {rv && <RoundPreview gameId={gameId} view={rv} decimals={decimals} />}
            {gameId === "mines" && (
              <button className="primary" disabled={busy} onClick={() => void act({ action: "cash_out" })} data-testid="cash-out">
                {t("games.cashOut")}
              </button>
            )}
            {gameId === "hilo" &&
              (["higher", "lower", "same", "skip"] as const).map((g) => (
                <button key={g} disabled={busy || (g !== "skip" && nextOf(rv, g) === null)} onClick={() => void act({ action: "guess", guess: g })}>
                  {t(`games.${g}`)}
                  {g !== "skip" && nextOf(rv, g) !== null && ` ×${multiplierText(nextOf(rv, g))}`}
                </button>
              ))}
            {gameId === "hilo" && (
              <button className="primary" disabled={busy} onClick={() => void act({ action: "cash_out" })}>
                {t("games.cashOut")}
              </button>
            )}
            {gameId === "blackjack" &&
              (rv?.phase === "insurance_offered" ? (
                <>
                  <button disabled={busy} onClick={() => void act({ action: "insurance", take: true })}>
                    {t("games.insurance")}
                  </button>
                  <button disabled={busy} onClick={() => void act({ action: "insurance", take: false })}>
                    {t("games.noInsurance")}
                  </button>
                </>
              ) : (
                (["hit", "stand", "double", "split"] as const).map((a) => (
                  <button key={a} disabled={busy} onClick={() => void act({ action: a })}>
                    {t(`games.${a}`)}
                  </button>
                ))
              ))}
          </div>
        ) : (
          <div className="bet-row row">
            {!roulette && (
              <label>
                {t("games.amount")}{" "}
                <input value={amountText} onChange={(e) => setAmountText(e.target.value)} inputMode="decimal" className="narrow" data-testid="bet-amount" />
              </label>
            )}
            {!roulette && (
              <>
                <button onClick={() => setAmountText(((amount / 10 ** decimals) / 2).toFixed(decimals))}>½</button>
                <button onClick={() => setAmountText(((amount / 10 ** decimals) * 2).toFixed(decimals))}>2×</button>
              </>
            )}
            <button className="primary big" disabled={busy || !ui.valid || !(stake > 0) || (slotInfo && stake % slotCost !== 0)} onClick={() => void placeBet()} data-testid="bet-button">
              {t("games.bet")}
            </button>
            {preview !== null && (
              <span data-testid="payout-preview">
                {t("games.payout")}: {money(preview, api.PLAY, decimals)} ({t("games.multiplier")} {num(ui.winMultiplier!, 4)}×)
              </span>
            )}
            <span className="muted">{available !== null && money(available, api.PLAY, decimals)}</span>
          </div>
        )}
        {slotInfo && !round && info.data && <SlotPreview info={info.data} stake={stake} decimals={decimals} />}
        {!slotInfo && !round && info.data && preview === null && <TablePreview gameId={gameId} info={info.data} params={ui.params} stake={stake} decimals={decimals} />}
        {error && (
          <p className="error" data-testid="bet-error">
            {error}
          </p>
        )}
        {last && (
          <div className={`bet-result ${won ? "win" : "loss"}`} data-testid="bet-result">
            <Outcome gameId={gameId} bet={last} info={info.data ?? null} />
            <p>
              {won ? t("games.won", { amount: money(last.payout ?? 0, api.PLAY, decimals) }) : t("games.lost")} · × {multiplierText(last.multiplier)}
            </p>
            <p className="muted small">
              {t("games.fair", { nonce: last.provably_fair?.nonce ?? "?" })} ·{" "}
              <Link to={`/fairness?bet=${encodeURIComponent(last.bet_id)}`} testId="verify-link">
                {t("fair.verify")}
              </Link>
            </p>
          </div>
        )}
      </div>
      <aside className="card feed" data-testid="bet-feed">
        <h3>{t("games.feed")}</h3>
        {feed.length === 0 && <p className="muted">{t("games.feedEmpty")}</p>}
        <table>
          <tbody>
            {feed.slice(0, 20).map((f, i) => (
              <tr key={i} className={Number(f.payout) > 0 ? "win" : ""}>
                <td>{f.game}</td>
                <td>{f.player}</td>
                <td>{money(Number(f.amount) || 0, f.currency || api.PLAY)}</td>
                <td>×{multiplierText(f.multiplier)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </aside>
    </div>
  );
}

/** The multiplier a HiLo guess would reach if right, from the round view, as wire text (`null`: it
 *  cannot win). */
function nextOf(view: Record<string, unknown> | null, guess: "higher" | "lower" | "same"): string | null {
  const next = (view?.next_multipliers ?? null) as Record<string, unknown> | null;
  const m = next?.[guess];
  return multiplierUnits(m) === null ? null : (m as string);
}

/** The payout preview of an open round, from what the server publishes in its view: the cash-out
 *  value now and, for mines, what the next safe pick would pay; blackjack's fixed payouts. */
function RoundPreview({ gameId, view, decimals }: { gameId: string; view: Record<string, unknown>; decimals: number }) {
  const { t, money } = useI18n();
  const stake = Number(view.stake_minor ?? 0);
  if (gameId === "blackjack") {
    return <span className="muted" data-testid="round-preview">{t("games.bjPays")}</span>;
  }
  const now = payoutAt(stake, view.multiplier);
  const next = payoutAt(stake, view.next_multiplier);
  return (
    <span className="muted" data-testid="round-preview">
      {now !== null && now > 0 && t("games.cashOutValue", { amount: money(now, api.PLAY, decimals) })}
      {gameId === "mines" && next !== null && ` · ${t("games.nextPick", { mult: multiplierText(view.next_multiplier), amount: money(next, api.PLAY, decimals) })}`}
    </span>
  );
}
