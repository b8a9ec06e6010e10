// Fairness: the seed pair (hashes, client seed, nonce), change the client seed, rotate, and verify any
// past bet in the browser with WebCrypto, showing every step.
import { useEffect, useState } from "react";
import * as api from "../api/endpoints";
import type { BetView, RotateResponse } from "../api/types";
import { verifyBet, outcomeAgrees, isSlot, SLOT_GAME_IDS, type Verification } from "../fair/games";
import { PAYTABLE_GAMES, type CatalogueEntry } from "../fair/paytable";
import { useI18n } from "../i18n";
import { multiplierWire } from "../casino/math";
import { Loading, useAsync } from "./common";

/** Revealed server seeds this browser has seen, by their hash (rotation answers). */
const REVEALED_KEY = "playhouse.revealed_seeds";

function revealedSeeds(): Record<string, string> {
  try {
    return JSON.parse(localStorage.getItem(REVEALED_KEY) ?? "{}") as Record<string, string>;
  } catch {
    return {};
  }
}

function remember(hash: string, seed: string): void {
  const all = revealedSeeds();
  all[hash] = seed;
  localStorage.setItem(REVEALED_KEY, JSON.stringify(all));
}

export function FairnessPage() {
  const { t } = useI18n();
  const seeds = useAsync(api.seeds, []);
  const [clientSeed, setClientSeed] = useState("");
  const [rotated, setRotated] = useState<RotateResponse | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [form, setForm] = useState({ game: "dice", serverSeed: "", serverSeedHash: "", clientSeed: "", nonce: "0", params: "{}" });
  const [bet, setBet] = useState<BetView | null>(null);
  const [result, setResult] = useState<Verification | null>(null);
  const betsList = useAsync(() => api.bets(), []);

  useEffect(() => {
    if (seeds.data) setClientSeed(seeds.data.client_seed);
  }, [seeds.data]);

  const loadBet = async (id: string) => {
    try {
      const b = await api.bet(id);
      pickBet(b);
    } catch (e) {
      setError(String(e instanceof Error ? e.message : e));
    }
  };

  // `?bet=ID` opens that bet.
  useEffect(() => {
    const id = new URLSearchParams(location.search).get("bet");
    if (id) void loadBet(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const pickBet = (b: BetView) => {
    setBet(b);
    setResult(null);
    const pf = b.provably_fair ?? ({} as BetView["provably_fair"]);
    const seed = pf.server_seed ?? revealedSeeds()[pf.server_seed_hash] ?? "";
    setForm({
      game: String(b.game ?? "dice"),
      serverSeed: seed,
      serverSeedHash: pf.server_seed_hash ?? "",
      clientSeed: pf.client_seed ?? "",
      nonce: String(pf.nonce ?? 0),
      params: JSON.stringify(b.params ?? {}),
    });
  };

  const run = async (e?: React.FormEvent) => {
    e?.preventDefault();
    setError(null);
    let params: Record<string, unknown> = {};
    try {
      params = JSON.parse(form.params || "{}") as Record<string, unknown>;
    } catch {
      setError("params: invalid JSON");
      return;
    }
    // Wheel/plinko multipliers come from the game's public paytable and slot rounds from its public
    // definition, never from the bet record.
    let catalogue: CatalogueEntry | null = null;
    if (PAYTABLE_GAMES[form.game] || isSlot(form.game, null)) {
      try {
        catalogue = (await api.game(form.game)) as CatalogueEntry;
      } catch {
        catalogue = null; // shown as an unverified step
      }
    }
    const record =
      bet && bet.game === form.game ? { amount: bet.amount ?? null, currency: bet.currency ?? null, multiplier: bet.multiplier, payout: bet.payout } : null;
    try {
      setResult(
        await verifyBet({
          game: form.game,
          serverSeed: form.serverSeed.trim(),
          serverSeedHash: form.serverSeedHash.trim() || null,
          clientSeed: form.clientSeed,
          nonce: Number(form.nonce),
          params,
          catalogue,
          bet: record,
        }),
      );
    } catch (err) {
      setError(String(err instanceof Error ? err.message : err));
    }
  };

  const changeSeed = async () => {
    setError(null);
    try {
      const s = await api.setClientSeed(clientSeed);
      seeds.setData(s && "server_seed_hash" in s ? s : seeds.data);
      seeds.reload();
    } catch (e) {
      setError(String(e instanceof Error ? e.message : e));
    }
  };

  const rotate = async () => {
    setError(null);
    try {
      const r = await api.rotate();
      remember(r.revealed.server_seed_hash, r.revealed.server_seed);
      setRotated(r);
      seeds.setData(r.active);
      betsList.reload();
      if (bet && bet.provably_fair?.server_seed_hash === r.revealed.server_seed_hash) setForm((f) => ({ ...f, serverSeed: r.revealed.server_seed }));
    } catch (e) {
      setError(String(e instanceof Error ? e.message : e));
    }
  };

  const agrees = result && bet ? outcomeAgrees(result.outcome, bet.outcome as Record<string, unknown>) : null;

  return (
    <div className="fairness">
      <section className="card">
        <h2>{t("fair.title")}</h2>
        <p className="muted small">{t("fair.how")}</p>
        <Loading error={seeds.error} loading={seeds.loading && !seeds.data} onRetry={seeds.reload}>
          {seeds.data && (
            <dl className="kv">
              <dt>{t("fair.active")}</dt>
              <dd className="mono" data-testid="seed-hash">
                {seeds.data.server_seed_hash}
              </dd>
              <dt>{t("fair.next")}</dt>
              <dd className="mono">{seeds.data.next_server_seed_hash}</dd>
              <dt>{t("fair.client")}</dt>
              <dd>
                <input value={clientSeed} onChange={(e) => setClientSeed(e.target.value)} maxLength={64} data-testid="client-seed" />
                <button onClick={() => void changeSeed()}>{t("fair.change")}</button>
              </dd>
              <dt>{t("fair.nonce")}</dt>
              <dd data-testid="nonce">{seeds.data.nonce}</dd>
            </dl>
          )}
        </Loading>
        <button className="primary" onClick={() => void rotate()} data-testid="rotate-button">
          {t("fair.rotate")}
        </button>
        {rotated && (
          <p className="mono small" data-testid="revealed-seed">
            {t("fair.revealed")}: {rotated.revealed.server_seed}
          </p>
        )}
        {error && <p className="error">{error}</p>}
      </section>

      <section className="card">
        <h2>{t("fair.verify")}</h2>
        {betsList.data && betsList.data.items.length > 0 && (
          <table className="list">
            <tbody>
              {betsList.data.items.slice(0, 10).map((b) => (
                <tr key={b.bet_id ?? b.id}>
                  <td>{b.game}</td>
                  <td>#{b.provably_fair?.nonce}</td>
                  <td className="mono small">{(b.provably_fair?.server_seed_hash ?? "").slice(0, 12)}…</td>
                  <td>
                    <button className="small" onClick={() => pickBet(b)} data-testid="pick-bet" data-game={b.game}>
                      {t("fair.pickBet")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <form className="grid-form" onSubmit={(e) => void run(e)}>
          <label>
            {t("fair.game")}
            <select value={form.game} onChange={(e) => setForm({ ...form, game: e.target.value })}>
              {["dice", "limbo", "crash", "roulette", "wheel", "keno", "mines", "plinko", "hilo", "blackjack", "cards", ...SLOT_GAME_IDS].map((g) => (
                <option key={g}>{g}</option>
              ))}
            </select>
          </label>
          <label>
            {t("fair.serverSeed")}
            <input className="mono" value={form.serverSeed} onChange={(e) => setForm({ ...form, serverSeed: e.target.value })} data-testid="verify-server-seed" />
          </label>
          <label>
            {t("fair.serverSeedHash")}
            <input className="mono" value={form.serverSeedHash} onChange={(e) => setForm({ ...form, serverSeedHash: e.target.value })} />
          </label>
          <label>
            {t("fair.client")}
            <input value={form.clientSeed} onChange={(e) => setForm({ ...form, clientSeed: e.target.value })} />
          </label>
          <label>
            {t("bets.nonce")}
            <input type="number" min={0} value={form.nonce} onChange={(e) => setForm({ ...form, nonce: e.target.value })} />
          </label>
          <label>
            {t("fair.params")}
            <input className="mono" value={form.params} onChange={(e) => setForm({ ...form, params: e.target.value })} />
          </label>
          {bet && !form.serverSeed && <p className="muted">{t("fair.notRevealed")}</p>}
          <button className="primary" type="submit" disabled={!form.serverSeed} data-testid="verify-button">
            {t("fair.verifyBtn")}
          </button>
        </form>
        {result && (
          <div className="verification" data-testid="verification">
            {result.hashMatches !== null && (
              <p className={result.hashMatches ? "ok" : "error"} data-testid="hash-check">
                {result.hashMatches ? "✔ " + t("fair.hashOk") : "✘ " + t("fair.hashBad")}
              </p>
            )}
            <ol className="steps">
              {result.steps.map((s, i) => (
                <li key={i}>
                  <strong>{t(s.label)}</strong>
                  <pre className="mono small">{s.detail}</pre>
                </li>
              ))}
            </ol>
            <p>
              {t("fair.outcome")}: <code data-testid="verified-outcome">{JSON.stringify(result.outcome)}</code>
            </p>
            {agrees !== null && (
              <p className={agrees ? "ok" : "error"} data-testid="verify-verdict">
                {agrees ? "✔ " + t("fair.outcomeOk") : "✘ " + t("fair.outcomeBad")}
              </p>
            )}
            {result.paytableError !== null && (
              <p className="error" data-testid="paytable-missing">
                ✘ {t("fair.paytableMissing")} ({result.paytableError})
              </p>
            )}
            {result.settlement && result.settlement.multiplierAgrees !== null && (
              <p className={result.settlement.multiplierAgrees ? "ok" : "error"} data-testid="multiplier-verdict">
                {result.settlement.multiplierAgrees ? "✔ " + t("fair.multiplierOk") : "✘ " + t("fair.multiplierBad")} (× {result.settlement.units !== undefined ? multiplierWire(result.settlement.units) : result.settlement.hundredths / 100} / × {String(bet?.multiplier)})
              </p>
            )}
            {result.settlement && result.settlement.payoutAgrees !== null && (
              <p className={result.settlement.payoutAgrees ? "ok" : "error"} data-testid="payout-verdict">
                {result.settlement.payoutAgrees ? "✔ " + t("fair.payoutOk") : "✘ " + t("fair.payoutBad")} ({String(result.settlement.payout)} / {String(bet?.payout)})
              </p>
            )}
          </div>
        )}
      </section>
    </div>
  );
}
