// Bet history, with a link to verify each bet.
import { useState } from "react";
import * as api from "../api/endpoints";
import type { BetView } from "../api/types";
import { useI18n } from "../i18n";
import { Link } from "../router";
import { multiplierText } from "../casino/math";
import { SLOT_GAME_IDS } from "../fair/games";
import { Loading, useAsync } from "./common";

export function BetsPage() {
  const { t, money } = useI18n();
  const [game, setGame] = useState("");
  const page = useAsync(() => api.bets(undefined, game || undefined), [game]);
  const [more, setMore] = useState<BetView[]>([]);
  // The cursor of the page after the last one shown (undefined: the first page's).
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const next = cursor === undefined ? page.data?.next_cursor : cursor;
  return (
    <div className="card">
      <h2>{t("bets.title")}</h2>
      <select value={game} onChange={(e) => (setGame(e.target.value), setMore([]), setCursor(undefined))} data-testid="bets-filter">
        <option value="">—</option>
        {["dice", "limbo", "crash", "mines", "keno", "plinko", "hilo", "blackjack", "roulette", "wheel", ...SLOT_GAME_IDS].map((g) => (
          <option key={g}>{g}</option>
        ))}
      </select>
      <Loading error={page.error} loading={page.loading && !page.data} onRetry={page.reload}>
        <table className="list">
          <thead>
            <tr>
              <th>{t("bets.game")}</th>
              <th>{t("bets.amount")}</th>
              <th>{t("bets.multiplier")}</th>
              <th>{t("bets.payout")}</th>
              <th>{t("bets.nonce")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {[...(page.data?.items ?? []), ...more].map((b) => (
              <tr key={b.bet_id ?? b.id}>
                <td>{b.game}</td>
                <td>{money(Number(b.amount ?? 0), b.currency ?? api.PLAY)}</td>
                <td>×{multiplierText(b.multiplier)}</td>
                <td>{money(Number(b.payout ?? 0), b.currency ?? api.PLAY)}</td>
                <td>{b.provably_fair?.nonce}</td>
                <td>
                  <Link to={`/fairness?bet=${encodeURIComponent(b.bet_id ?? String(b.id))}`}>{t("fair.verify")}</Link>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {page.data?.items.length === 0 && <p className="muted">{t("common.none")}</p>}
        {next && (
          <button
            onClick={() =>
              void api.bets(next, game || undefined).then((p) => {
                setMore((m) => [...m, ...p.items]);
                setCursor(p.next_cursor ?? null);
              })
            }
          >
            {t("common.more")}
          </button>
        )}
      </Loading>
    </div>
  );
}
