// React hooks of the tournament and mission screens: a ticking clock for countdowns, and polling
// that keeps the last good answer on screen while it retries.
import { useCallback, useEffect, useRef, useState } from "react";

/** The current time, re-read every `ms` (1 s by default) while the component is mounted. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms]);
  return now;
}

/**
 * Calls `f` now and then every `ms` until `done(answer)` says to stop (a hidden tab skips its turns).
 * An error keeps the last data and is retried on the next turn. `reload()` asks again at once.
 */
export function usePolling<T>(f: () => Promise<T>, ms: number, deps: unknown[], done?: (d: T) => boolean) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  const fRef = useRef(f);
  fRef.current = f;
  const doneRef = useRef(done);
  doneRef.current = done;
  const key = JSON.stringify(deps);
  const lastKey = useRef(key);
  useEffect(() => {
    let alive = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLoading(true);
    // Other arguments (not a reload): the previous answer no longer applies.
    if (lastKey.current !== key) {
      lastKey.current = key;
      setData(null);
      setError(null);
    }
    const tick = async () => {
      if (typeof document !== "undefined" && document.hidden) {
        timer = setTimeout(() => void tick(), ms);
        return;
      }
      let stop = false;
      try {
        const d = await fRef.current();
        if (!alive) return;
        setData(d);
        setError(null);
        stop = !!doneRef.current?.(d);
      } catch (e) {
        if (!alive) return;
        setError(e instanceof Error ? e : new Error(String(e)));
      } finally {
        if (alive) setLoading(false);
      }
      if (alive && !stop) timer = setTimeout(() => void tick(), ms);
    };
    void tick();
    return () => {
      alive = false;
      clearTimeout(timer);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, ms, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { data, error, loading, reload, setData };
}
