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
import { diceMultiplier, limboChance, payoutPreview, multiplierNumber, roundStateOf, roundViewOf, roundIdOf } from "./math";

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
  const [lines, setLines] = useState<number | null>(null);

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
        const n = lines ?? slot.lines;
        return {
          params: { lines: n },
          valid: n >= 1,
          winMultiplier: null,
          controls: (
            <div className="game-controls row">
              <label>
                {t("games.lines")} <input type="number" min={1} value={n} onChange={(e) => setLines(Math.max(1, Math.floor(Number(e.target.value))))} className="narrow" />
              </label>
            </div>
          ),
        };
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

function Outcome({ gameId, bet }: { gameId: string; bet: BetView }) {
  const { t } = useI18n();
  const o = (bet.outcome ?? {}) as Record<string, unknown>;
  const num = gameId === "dice" ? Number(o.roll) : gameId === "limbo" ? Number(o.multiplier) : null;
  const shown = useCountUp(num !== null && Number.isFinite(num) ? num : null);
  if (gameId === "dice" || gameId === "limbo") {
    return (
      <div className="outcome-big" data-testid="outcome-value">
        {shown === null ? "—" : shown.toFixed(2)}
        {gameId === "limbo" ? "×" : ""}
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
  const base = o.base as { grid?: string[][] } | undefined;
  if (base && Array.isArray(base.grid)) {
    const spins = (o.free_spins as unknown[] | undefined)?.length ?? 0;
    return (
      <div className="slot-result">
        <div className="slot-grid" style={{ gridTemplateColumns: `repeat(${base.grid[0]?.length ?? 1}, 1fr)` }}>
          {base.grid.flat().map((sym, i) => (
            <span key={i} className="slot-cell" style={{ animationDelay: `${(i % (base.grid![0]?.length ?? 1)) * 90}ms` }}>
              {sym}
            </span>
          ))}
        </div>
        {spins > 0 && <p>+{spins} free spins</p>}
      </div>
    );
  }
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
  const slotInfo = info.data && (String(info.data.kind ?? "").startsWith("slot") || info.data.lines !== undefined || info.data.reels !== undefined);
  const ui = useGameUi(gameId, last, slotInfo ? { lines: Number(info.data?.lines ?? info.data?.cost ?? 1) || 1 } : null);
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
          {GAME_ICONS[gameId] ?? "🎰"} {gameId}
          {info.data?.rtp !== undefined && (
            <small className="muted">
              {" "}
              · {t("games.rtp")} {String(info.data.rtp)}
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
            {rv?.multiplier !== undefined && <span>× {String(rv.multiplier)}</span>}
            {gameId === "mines" && (
              <button className="primary" disabled={busy} onClick={() => void act({ action: "cash_out" })} data-testid="cash-out">
                {t("games.cashOut")}
              </button>
            )}
            {gameId === "hilo" &&
              (["higher", "lower", "same", "skip"] as const).map((g) => (
                <button key={g} disabled={busy} onClick={() => void act({ action: "guess", guess: g })}>
                  {t(`games.${g}`)}
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
            <button className="primary big" disabled={busy || !ui.valid || !(stake > 0)} onClick={() => void placeBet()} data-testid="bet-button">
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
        {error && (
          <p className="error" data-testid="bet-error">
            {error}
          </p>
        )}
        {last && (
          <div className={`bet-result ${won ? "win" : "loss"}`} data-testid="bet-result">
            <Outcome gameId={gameId} bet={last} />
            <p>
              {won ? t("games.won", { amount: money(last.payout ?? 0, api.PLAY, decimals) }) : t("games.lost")} · × {multiplierNumber(last.multiplier)}
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
                <td>×{multiplierNumber(f.multiplier)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </aside>
    </div>
  );
}
