// The shell: sign-in gate, navigation, connection status, and the route table.
import { useEffect, useState, useSyncExternalStore } from "react";
import { session } from "./api/session";
import { socket, type QueuePlace, type SocketStatus } from "./api/ws";
import * as api from "./api/endpoints";
import { useI18n } from "./i18n";
import { Link, match, navigate, usePath } from "./router";
import { live, useLive } from "./game/store";
import { SignIn } from "./pages/SignIn";
import { Lobby } from "./pages/Lobby";
import { TablePage } from "./pages/Table";
import { GamesPage } from "./pages/Games";
import { GamePage } from "./casino/GamePage";
import { FairnessPage } from "./pages/Fairness";
import { WalletPage } from "./pages/Wallet";
import { BetsPage } from "./pages/Bets";
import { LeaderboardPage } from "./pages/Leaderboard";
import { ReplaysPage, ReplayPage } from "./pages/Replays";
import { ProfilePage } from "./pages/Profile";
import { ContestPage, TournamentsPage } from "./pages/Tournaments";
import { MissionsPage } from "./pages/Missions";

function useUser() {
  return useSyncExternalStore(
    (l) => session.subscribe(l),
    () => session.user,
    () => session.user,
  );
}

/** The connection's place in the server's waiting room (updated on every `queue_ticket`). */
function useQueuePlace(): QueuePlace | null {
  const [p, setP] = useState<QueuePlace | null>(socket.place);
  useEffect(() => socket.onStatus(() => setP(socket.place ? { ...socket.place } : null)), []);
  return p;
}

function useSocketStatus(): SocketStatus {
  const [s, setS] = useState<SocketStatus>(socket.status);
  useEffect(() => socket.onStatus(setS), []);
  return s;
}

export function App() {
  const user = useUser();
  const path = usePath();
  const { t, locale, setLocale } = useI18n();
  const status = useSocketStatus();
  const place = useQueuePlace();
  const { lastError } = useLive();

  useEffect(() => {
    if (user) {
      socket.connect();
      api.me().catch(() => undefined);
    } else socket.close();
  }, [user?.id]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    if (!lastError) return;
    const id = setTimeout(() => live.clearError(), 5000);
    return () => clearTimeout(id);
  }, [lastError]);

  if (!user) return <SignIn />;

  const nav: Array<[string, string]> = [
    ["/", "nav.lobby"],
    ["/games", "nav.games"],
    ["/fairness", "nav.fairness"],
    ["/wallet", "nav.wallet"],
    ["/bets", "nav.bets"],
    ["/leaderboard", "nav.leaderboard"],
    ["/tournaments", "nav.tournaments"],
    ["/missions", "nav.missions"],
    ["/replays", "nav.replays"],
    ["/profile", "nav.profile"],
  ];

  let page;
  let m: Record<string, string> | null;
  if ((m = match("/table/:id", path))) page = <TablePage tableId={m.id} />;
  else if ((m = match("/games/:game", path))) page = <GamePage gameId={m.game} />;
  else if (match("/games", path)) page = <GamesPage />;
  else if (match("/fairness", path)) page = <FairnessPage />;
  else if (match("/wallet", path)) page = <WalletPage />;
  else if (match("/bets", path)) page = <BetsPage />;
  else if (match("/leaderboard", path)) page = <LeaderboardPage />;
  else if ((m = match("/tournaments/:id", path))) page = <ContestPage key={m.id} contestId={m.id} />;
  else if (match("/tournaments", path)) page = <TournamentsPage />;
  else if (match("/missions", path)) page = <MissionsPage />;
  else if ((m = match("/replays/:id", path))) page = <ReplayPage matchId={m.id} />;
  else if (match("/replays", path)) page = <ReplaysPage />;
  else if (match("/profile", path)) page = <ProfilePage />;
  else page = <Lobby />;

  const onTable = path.startsWith("/table/");
  return (
    <div className={onTable ? "app app-table" : "app"}>
      <header className="topbar">
        <Link to="/" className="brand">
          {t("app.name")}
        </Link>
        <nav className="nav">
          {nav.map(([to, key]) => (
            <Link key={to} to={to} className={path === to || (to !== "/" && path.startsWith(to)) ? "active" : ""} testId={`nav-${to.slice(1) || "lobby"}`}>
              {t(key)}
            </Link>
          ))}
        </nav>
        <span className={`conn conn-${status}`} data-testid="conn-status" title={t(`conn.${status === "idle" ? "connecting" : status}`)}>
          ●
        </span>
        <button className="link" data-testid="lang-switch" onClick={() => setLocale(locale === "en" ? "zh-CN" : "en")}>
          {t("lang.switch")}
        </button>
        <button
          className="link"
          onClick={() => {
            void api.logout().then(() => navigate("/"));
          }}
        >
          {t("nav.signout")}
        </button>
      </header>
      {status === "reconnecting" && <div className="banner warn">{t("conn.reconnecting")}</div>}
      {status === "waiting" && place && (
        <div className="banner warn" data-testid="waiting-room">
          {t("conn.waitingRoom", { n: place.position })}
          {place.estimatedWaitMs !== undefined &&
            " " + t("conn.waitingEstimate", { s: Math.max(1, Math.round(place.estimatedWaitMs / 1000)) })}
        </div>
      )}
      {lastError && (
        <div className="toast" role="alert" data-testid="error-toast" onClick={() => live.clearError()}>
          {lastError.message} <small>({lastError.code})</small>
        </div>
      )}
      <main className="main">{page}</main>
    </div>
  );
}
