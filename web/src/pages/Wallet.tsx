// Wallet: balances and the transfer history.
import { useState } from "react";
import * as api from "../api/endpoints";
import type { TransferView } from "../api/types";
import { useI18n } from "../i18n";
import { Loading, useAsync } from "./common";

export function WalletPage() {
  const { t, money, locale } = useI18n();
  const w = useAsync(api.wallet, []);
  const tr = useAsync(() => api.transfers(), []);
  const [more, setMore] = useState<TransferView[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const next = cursor === undefined ? tr.data?.next_cursor : cursor;
  const decimalsOf = (c: string) => w.data?.balances.find((b) => b.currency === c)?.decimals ?? 2;
  return (
    <div>
      <section className="card">
        <h2>{t("wallet.title")}</h2>
        <Loading error={w.error} loading={w.loading && !w.data}>
          <table className="list">
            <tbody>
              {w.data?.balances.map((b) => (
                <tr key={b.currency}>
                  <td>{b.currency}</td>
                  <td>
                    {t("wallet.balance")}: {money(b.balance, b.currency, b.decimals)}
                  </td>
                  <td>
                    {t("wallet.available")}: {money(b.available, b.currency, b.decimals)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Loading>
      </section>
      <section className="card">
        <h3>{t("wallet.transfers")}</h3>
        <Loading error={tr.error} loading={tr.loading && !tr.data}>
          <table className="list">
            <thead>
              <tr>
                <th>{t("wallet.when")}</th>
                <th>{t("wallet.kind")}</th>
                <th>{t("wallet.amount")}</th>
              </tr>
            </thead>
            <tbody>
              {[...(tr.data?.items ?? []), ...more].map((x) => (
                <tr key={x.id}>
                  <td>{new Date(x.timestamp).toLocaleString(locale)}</td>
                  <td>{x.kind}</td>
                  <td className={x.direction === "credit" ? "ok" : ""}>
                    {x.direction === "credit" ? "+" : "−"}
                    {money(x.amount, x.currency, decimalsOf(x.currency))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {tr.data && tr.data.items.length === 0 && <p className="muted">{t("common.none")}</p>}
          {next && (
            <button
              onClick={() =>
                void api.transfers(next).then((p) => {
                  setMore((m) => [...m, ...p.items]);
                  setCursor(p.next_cursor ?? null);
                })
              }
            >
              {t("common.more")}
            </button>
          )}
        </Loading>
      </section>
    </div>
  );
}
