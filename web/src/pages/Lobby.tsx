// The lobby: balance and rating, Guandan quick match and private rooms, a banner back to an
// unfinished match, and the instant-game catalogue.
import { useEffect, useState } from "react";
import * as api from "../api/endpoints";
import { socket } from "../api/ws";
import { live, useLive } from "../game/store";
import { useI18n } from "../i18n";
import { Link, navigate } from "../router";
import type { MatchMode, RoomOptions, RulesProfile } from "../protocol";
import { Balance, useAsync } from "./common";
import { session } from "../api/session";
import { tierName } from "../api/types";

export function Lobby() {
  const { t, locale } = useI18n();
  const state = useLive();
  const rating = useAsync(api.myRating, []);
  const games = useAsync(api.games, []);
  const [code, setCode] = useState("");
  const [watch, setWatch] = useState("");
  const [rules, setRules] = useState<RulesProfile>("official-2022");
  const [bots, setBots] = useState(true);
  const [spectators, setSpectators] = useState(true);
  const [fastBots, setFastBots] = useState(false);
  const [timers, setTimers] = useState({ play: 20, tribute: 15, ret: 30 });
  const [busy, setBusy] = useState(false);

  // Quick match: when a match is found, go to its table.
  useEffect(
    () =>
      socket.on((env) => {
        if (env.type === "match_found" || env.type === "room_created") navigate(`/table/${env.payload.table_id}`);
      }),
    [],
  );

  const unfinished = state.seatedTables.filter((id) => {
    const v = state.tables[id];
    return !v || (!v.closed && v.matchWinner === undefined);
  });

  const quick = (mode: MatchMode) => {
    live.setQueued(true);
    socket.send({ type: "quick_match_join", payload: { mode } });
  };

  const create = async () => {
    setBusy(true);
    const clamp = (s: number) => Math.min(120, Math.max(3, s)) * 1000;
    const options: RoomOptions = {
      rules,
      allow_bots: bots,
      allow_spectators: spectators,
      fast_bots: fastBots,
      timers: { play_ms: clamp(timers.play), tribute_ms: clamp(timers.tribute), return_ms: clamp(timers.ret) },
    };
    try {
      const reply = await socket.request({ type: "room_create", payload: { options } });
      if (reply.type === "room_created") navigate(`/table/${reply.payload.table_id}`);
    } finally {
      setBusy(false);
    }
  };

  const join = async () => {
    const c = code.trim().toUpperCase();
    if (!c) return;
    const reply = await socket.request({ type: "room_join", payload: { code: c } });
    if (reply.type === "table_snapshot") navigate(`/table/${reply.payload.table_id}`);
  };

  return (
    <div className="lobby">
      <section className="card hero">
        <h2>{t("lobby.welcome", { name: session.user?.display_name ?? "" })}</h2>
        <Balance />
        {rating.data && (
          <span className="rating" data-testid="rating">
            {t("lobby.rating")}: {rating.data.rating ?? "—"} · {t("lobby.tier")}: {tierName(rating.data.tier, locale) || "—"}
          </span>
        )}
      </section>

      {unfinished.length > 0 && (
        <div className="banner" data-testid="resume-banner">
          {t("lobby.resume")}{" "}
          <Link to={`/table/${unfinished[0]}`} className="button primary">
            {t("lobby.resumeGo")}
          </Link>
        </div>
      )}

      <section className="card">
        <h2>{t("lobby.guandan")}</h2>
        <div className="row">
          <strong>{t("lobby.quick")}</strong>
          {state.queued ? (
            <>
              <span className="muted">{t("lobby.queued")}</span>
              <button
                onClick={() => {
                  live.setQueued(false);
                  socket.send({ type: "quick_match_cancel", payload: {} });
                }}
              >
                {t("lobby.cancel")}
              </button>
            </>
          ) : (
            <>
              <button className="primary" data-testid="quick-casual" onClick={() => quick("casual")}>
                {t("lobby.casual")}
              </button>
              <button className="primary" data-testid="quick-ranked" onClick={() => quick("ranked")}>
                {t("lobby.ranked")}
              </button>
            </>
          )}
        </div>
        <h3>{t("lobby.private")}</h3>
        <div className="grid-form">
          <label>
            {t("lobby.rules")}
            <select value={rules} onChange={(e) => setRules(e.target.value as RulesProfile)} data-testid="room-rules">
              <option value="official-2022">official-2022</option>
              <option value="competition">competition</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" checked={bots} onChange={(e) => setBots(e.target.checked)} data-testid="room-bots" />
            {t("lobby.bots")}
          </label>
          <label className="check">
            <input type="checkbox" checked={spectators} onChange={(e) => setSpectators(e.target.checked)} />
            {t("lobby.spectators")}
          </label>
          <label className="check">
            <input type="checkbox" checked={fastBots} onChange={(e) => setFastBots(e.target.checked)} data-testid="room-fast-bots" />
            {t("lobby.fastBots")}
          </label>
          <label>
            {t("lobby.timers")}
            <span className="row">
              {(["play", "tribute", "ret"] as const).map((k) => (
                <input
                  key={k}
                  type="number"
                  min={3}
                  max={120}
                  value={timers[k]}
                  data-testid={`room-timer-${k}`}
                  onChange={(e) => setTimers({ ...timers, [k]: Number(e.target.value) })}
                  className="narrow"
                />
              ))}
            </span>
          </label>
          <button className="primary" disabled={busy} onClick={() => void create()} data-testid="room-create">
            {t("lobby.create")}
          </button>
        </div>
        <div className="row">
          <input placeholder={t("lobby.code")} value={code} onChange={(e) => setCode(e.target.value)} maxLength={6} data-testid="room-code" />
          <button onClick={() => void join()} data-testid="room-join">
            {t("lobby.join")}
          </button>
          <input placeholder={t("lobby.tableId")} value={watch} onChange={(e) => setWatch(e.target.value)} />
          <button
            onClick={() => {
              if (!watch.trim()) return;
              socket.send({ type: "spectate", payload: { table_id: watch.trim() } });
              navigate(`/table/${watch.trim()}`);
            }}
          >
            {t("lobby.spectate")}
          </button>
        </div>
      </section>

      <section className="card">
        <h2>{t("lobby.catalogue")}</h2>
        <GameTiles games={games.data?.map((g) => g.game ?? g.id ?? "") ?? null} names={gameNames(games.data)} />
      </section>
    </div>
  );
}

/** Games with a dedicated screen, in the order the issue lists them. */
export const KNOWN_GAMES = ["dice", "limbo", "crash", "mines", "keno", "plinko", "hilo", "blackjack", "roulette", "wheel"];

/** Display names from the catalogue (`name`), by game id. */
export function gameNames(games: { game?: string; id?: string; name?: string }[] | null | undefined): Record<string, string> {
  return Object.fromEntries((games ?? []).map((g) => [g.game ?? g.id ?? "", g.name ?? ""]).filter(([id, name]) => id && name));
}

export function GameTiles({ games, names = {} }: { games: string[] | null; names?: Record<string, string> }) {
  const ids = [...new Set([...(games ?? []), ...KNOWN_GAMES].filter(Boolean))];
  ids.sort((a, b) => (KNOWN_GAMES.indexOf(a) + 1 || 99) - (KNOWN_GAMES.indexOf(b) + 1 || 99));
  return (
    <div className="tiles">
      {ids.map((g) => (
        <Link key={g} to={`/games/${g}`} className="tile" testId={`game-${g}`}>
          <span className="tile-icon">{GAME_ICONS[g] ?? "🎰"}</span>
          <span>{names[g] ?? g}</span>
        </Link>
      ))}
    </div>
  );
}

export const GAME_ICONS: Record<string, string> = {
  dice: "🎲",
  limbo: "🚀",
  crash: "📈",
  mines: "💣",
  keno: "🔢",
  plinko: "🔻",
  hilo: "🃏",
  blackjack: "🂡",
  roulette: "🎡",
  wheel: "☸",
};
