// Small shared pieces: async loading with error display, and the balance hook.
import { useCallback, useEffect, useState, type ReactNode } from "react";
import * as api from "../api/endpoints";
import type { BalanceView } from "../api/types";
import { useI18n } from "../i18n";
import { useLive } from "../game/store";

export function useAsync<T>(f: () => Promise<T>, deps: unknown[] = []) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(() => {
    setLoading(true);
    f()
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((e: unknown) => setError(e instanceof Error ? e : new Error(String(e))))
      .finally(() => setLoading(false));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    reload();
  }, [reload]);
  return { data, error, loading, reload, setData };
}

export function Loading({ error, loading, children, onRetry }: { error: Error | null; loading: boolean; children?: ReactNode; onRetry?: () => void }) {
  const { t } = useI18n();
  if (error) {
    const code = (error as { code?: string }).code;
    return (
      <div className="card muted" role="status">
        {code === "not_found" ? t("common.unavailable") : `${t("common.error")}: ${error.message}`}
        {onRetry && (
          <button className="link" onClick={onRetry}>
            {t("common.retry")}
          </button>
        )}
      </div>
    );
  }
  if (loading) return <div className="muted">{t("common.loading")}</div>;
  return <>{children}</>;
}

/** The PLAY balance: from `GET /v1/wallet`, then from `balance_changed` pushes and bet answers. */
export function useBalance(currency = api.PLAY) {
  const { balances } = useLive();
  const { data, reload, setData } = useAsync(api.wallet, []);
  const row: BalanceView | undefined = data?.balances.find((b) => b.currency === currency);
  const pushed = balances[currency];
  const available = pushed ?? row?.available ?? null;
  const setAvailable = (n: number) =>
    setData((d) => (d ? { balances: d.balances.map((b) => (b.currency === currency ? { ...b, available: n, balance: n } : b)) } : d));
  return { available, decimals: row?.decimals ?? 2, reload, setAvailable };
}

export function Balance() {
  const { money, t } = useI18n();
  const { available, decimals } = useBalance();
  return (
    <span className="balance" data-testid="balance">
      {t("lobby.balance")}: {available === null ? "—" : money(available, api.PLAY, decimals)}
    </span>
  );
}
