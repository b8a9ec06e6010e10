// The instant-game catalogue.
import * as api from "../api/endpoints";
import { useI18n } from "../i18n";
import { GameTiles, gameNames } from "./Lobby";
import { Balance, useAsync } from "./common";

export function GamesPage() {
  const { t } = useI18n();
  const games = useAsync(api.games, []);
  return (
    <div className="card">
      <h2>{t("games.title")}</h2>
      <Balance />
      <GameTiles games={games.data?.map((g) => g.game ?? g.id ?? "") ?? null} names={gameNames(games.data)} />
    </div>
  );
}
