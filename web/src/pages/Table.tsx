// The Guandan table: four seats around the trick, the player's 27 cards, Play / Pass / Hint driven by
// the server's `legal_moves`, tribute and return, timers, auto-play, emotes, results and spectating.
import { useEffect, useMemo, useState } from "react";
import type { CardCode, EmoteId, PhraseId, RoomOptions, RulesProfile, WireMove, WirePlay } from "../protocol";
import { socket } from "../api/ws";
import { matchCardUrl } from "../api/endpoints";
import { live, useLive } from "../game/store";
import { cardLabel, groupByCombination, indexesOf, isLevelCard, isWild, playsForSelection, sortByRank } from "../game/cards";
import { hostControls, teamOf, timerMs, type TableView } from "../game/table";
import { useI18n } from "../i18n";
import { navigate } from "../router";

const EMOTES: EmoteId[] = ["thumbs_up", "laugh", "wow", "cry", "angry", "think", "clap", "rose"];
const PHRASES: PhraseId[] = ["hello", "good_luck", "well_played", "nice_bomb", "hurry_up", "sorry", "thanks", "good_game"];

export function Card({ code, level, selected, onClick, small, testId }: { code: CardCode; level: string; selected?: boolean; onClick?: () => void; small?: boolean; testId?: string }) {
  const { t } = useI18n();
  const l = cardLabel(code);
  const wild = isWild(code, level);
  const lvl = isLevelCard(code, level);
  const cls = ["pcard", l.red ? "red" : "black", selected ? "selected" : "", wild ? "wild" : lvl ? "level" : "", small ? "small" : "", code === "HR" || code === "SB" ? "joker" : ""]
    .filter(Boolean)
    .join(" ");
  return (
    <button type="button" className={cls} onClick={onClick} data-card={code} data-testid={testId} aria-pressed={selected} title={code}>
      <span className="corner">
        <span className="rank">{l.rank}</span>
        <span className="suit">{l.suit}</span>
      </span>
      {wild && <span className="tag">{t("table.wild")}</span>}
    </button>
  );
}

function Move({ move, level }: { move: WireMove | null; level: string }) {
  const { t } = useI18n();
  if (!move) return null;
  if (move[0] === "PASS") return <span className="pass-label">{t("table.pass")}</span>;
  return (
    <span className="move">
      {(move[2] as string[]).map((c, i) => (
        <Card key={i} code={c} level={level} small />
      ))}
    </span>
  );
}

function Countdown({ deadline, duration }: { deadline: number; duration: number }) {
  // The server's deadline is in its clock; count down `duration` from when the timer arrived.
  const [start] = useState(() => Date.now());
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(id);
  }, [deadline]);
  const left = Math.max(0, duration - (now - start));
  return (
    <span className="timer" data-testid="turn-timer">
      <span className="timer-bar" style={{ width: `${(100 * left) / Math.max(1, duration)}%` }} />
      <span className="timer-text">{Math.ceil(left / 1000)}s</span>
    </span>
  );
}

function seatName(view: TableView, seat: number, t: (k: string) => string): string {
  const p = view.seats[seat]?.player;
  if (!p) return t("table.empty");
  return p.name + (p.bot ? ` (${t("table.bot")})` : "");
}

export function TablePage({ tableId }: { tableId: string }) {
  const { t } = useI18n();
  const state = useLive();
  const view = state.tables[tableId];
  const [selected, setSelected] = useState<number[]>([]);
  const [sortMode, setSortMode] = useState<"rank" | "combo">("rank");
  const [readings, setReadings] = useState<WirePlay[] | null>(null);
  const [showPanel, setShowPanel] = useState<"emote" | "phrase" | null>(null);
  const [dismissedHand, setDismissedHand] = useState<number | null>(null);

  // If nothing is known about this table yet (direct link), ask for it.
  useEffect(() => {
    if (view) return;
    const id = setTimeout(() => {
      if (live.state.tables[tableId]) return;
      // Our own table (after a reload) resyncs; anyone else's is watched as a spectator.
      if (live.state.seatedTables.includes(tableId)) socket.send({ type: "resync", payload: { table_id: tableId, last_seq: 0 } });
      else socket.send({ type: "spectate", payload: { table_id: tableId } });
    }, 1500);
    return () => clearTimeout(id);
  }, [tableId, view]);

  const game = view?.game ?? null;
  const level = game?.level ?? "2";
  const hand = useMemo(() => {
    const cards = game?.hand ?? [];
    if (sortMode === "rank") return { cards: sortByRank(cards, level), breaks: new Set<number>() };
    const groups = groupByCombination(cards, level);
    const out: CardCode[] = [];
    const breaks = new Set<number>();
    for (const g of groups) {
      if (out.length) breaks.add(out.length);
      out.push(...g.cards);
    }
    return { cards: out, breaks };
  }, [game?.hand, level, sortMode]);

  // Selection is by position in the displayed hand; reset when the hand changes.
  useEffect(() => setSelected([]), [game?.hand?.length, game?.hand_no, sortMode]);

  // A hint selects its cards.
  const hint = view?.hint ?? null;
  useEffect(() => {
    if (!hint) return;
    if (hint.kind === "play") setSelected(indexesOf(hand.cards, hint.play[2]));
    else if (hint.kind === "tribute" || hint.kind === "return") setSelected(indexesOf(hand.cards, [hint.card]));
    else setSelected([]);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [hint]);

  if (!view) return <div className="muted">{t("common.loading")}</div>;

  const me = view.mySeat;
  const legal = view.legal && view.legal.seat === me ? view.legal : null;
  const selectedCards = selected.map((i) => hand.cards[i]).filter(Boolean);
  const phase = legal?.phase ?? game?.phase ?? null;
  const plays = legal && legal.phase === "play" ? playsForSelection(selectedCards, legal, level) : [];
  const cardAction = legal && (legal.phase === "tribute" || legal.phase === "return") ? legal.phase : null;
  const cardActionOk = cardAction !== null && selectedCards.length === 1 && legal!.cards.includes(selectedCards[0]);
  const hintMatches = hint?.kind === "play" && [...hint.play[2]].sort().join(",") === [...selectedCards].sort().join(",");
  const canPlay = cardAction ? cardActionOk : plays.length > 0 || (!!legal && legal.phase === "play" && hintMatches);
  const canPass = !!legal && legal.phase === "play" && legal.can_pass;
  const myTurn = !!legal;
  const mySeatInfo = me !== null ? view.seats[me] : null;
  const send = (msg: Parameters<typeof socket.send>[0]) => socket.send(msg);

  const toggle = (i: number) => setSelected((s) => (s.includes(i) ? s.filter((x) => x !== i) : [...s, i]));

  const doPlay = (play?: WirePlay) => {
    if (cardAction && cardActionOk) {
      const card = selectedCards[0];
      send(cardAction === "tribute" ? { type: "tribute", payload: { table_id: tableId, card } } : { type: "return", payload: { table_id: tableId, card } });
      setSelected([]);
      return;
    }
    // The hinted play, when the selection is exactly its cards, carries the server's own reading.
    const hinted =
      hint?.kind === "play" && [...hint.play[2]].sort().join(",") === [...selectedCards].sort().join(",") ? hint.play : null;
    const chosen = play ?? hinted ?? (plays.length === 1 ? plays[0] : null);
    if (!chosen) {
      if (plays.length > 1) setReadings(plays);
      return;
    }
    setReadings(null);
    send({ type: "play", payload: { table_id: tableId, play: chosen } });
    setSelected([]);
  };

  const doPass = () => {
    send({ type: "pass", payload: { table_id: tableId } });
    setSelected([]);
  };

  const host = hostControls(view);
  const positions = me === null ? [0, 1, 2, 3] : [me, (me + 1) % 4, (me + 2) % 4, (me + 3) % 4];
  const posClass = ["bottom", "right", "top", "left"];
  const started = !!game;
  const myTeam = me === null ? 0 : teamOf(me);
  const matchOver = view.matchWinner !== undefined;
  const hr = view.handResult;
  const showHand = hr && !matchOver && dismissedHand !== hr.hand_no;

  return (
    <div className="table-page" data-testid="table" data-phase={phase ?? "waiting"} data-my-turn={myTurn ? "1" : "0"} data-hint={hint?.kind ?? ""} data-legal={view.legalVersion} data-my-moves={view.myMoves} data-errors={state.errors} data-auto={me !== null && view.seats[me]?.auto_play ? "1" : "0"}>
      <div className="table-top">
        <span>{t("table.title", { id: tableId })}</span>
        {view.code && (
          <span className="code" data-testid="room-code-display">
            {t("table.code")}: <b>{view.code}</b>
          </span>
        )}
        {game && (
          <span className="levelinfo" data-testid="level">
            {t("table.level")}: <b>{level === "T" ? "10" : level}</b> · {t("table.levels", { us: game.levels[myTeam], them: game.levels[1 - myTeam] })}
          </span>
        )}
        {me === null && <span className="badge">{t("table.spectating")}</span>}
        {view.resyncing && <span className="badge">{t("table.resyncing")}</span>}
        <span className="spacer" />
        <button className="link small" onClick={() => socket.drop()} title={t("table.dropped")}>
          ⟲
        </button>
        <button
          className="link small"
          onClick={() => {
            send({ type: "leave", payload: { table_id: tableId } });
            live.forget(tableId);
            navigate("/");
          }}
        >
          {t("table.leave")}
        </button>
      </div>

      <div className="felt">
        {positions.map((seat, i) => {
          const s = view.seats[seat];
          const awaiting = game?.awaiting.includes(seat) ?? false;
          const bubble = [...view.bubbles].reverse().find((b) => b.seat === seat && Date.now() - b.at < 4000);
          return (
            <div key={seat} className={`seat seat-${posClass[i]} ${awaiting ? "acting" : ""}`} data-testid={`seat-${seat}`}>
              <div className="seat-name">
                {seat === me ? t("table.you") : seatName(view, seat, t)}
                {me !== null && seat === (me + 2) % 4 && <small> · {t("table.partner")}</small>}
                {s && !s.connected && s.player && !s.player.bot && <span className="badge warn">⚡</span>}
                {s?.auto_play && <span className="badge auto">{t("table.autoplay")}</span>}
              </div>
              {game && (
                <div className="seat-count" data-testid={`count-${seat}`}>
                  {t("table.cards", { n: game.counts[seat] })}
                  {game.finish.includes(seat) && <span className="badge">{t(`place.${game.finish.indexOf(seat) + 1}`)}</span>}
                </div>
              )}
              {!started && !s?.player && me === null && (
                <button className="small" data-testid={`sit-${seat}`} onClick={() => send({ type: "take_seat", payload: { table_id: tableId, seat } })}>
                  {t("table.sit")}
                </button>
              )}
              {!started && s?.ready && <span className="badge ok">{t("table.isReady")}</span>}
              {host.kickable.includes(seat) && (
                <button className="small link" data-testid={`kick-${seat}`} onClick={() => send({ type: "room_kick", payload: { table_id: tableId, seat } })}>
                  {t("table.kick")}
                </button>
              )}
              {awaiting && view.timer && view.timer.seat === seat && <Countdown deadline={view.timer.deadline_ms} duration={view.timer.duration_ms} />}
              {game && seat !== me && <Move move={game.last_moves[seat]} level={level} />}
              {bubble && <div className="bubble">{t(`${bubble.kind}.${bubble.id}`)}</div>}
            </div>
          );
        })}

        <div className="center" data-testid="trick">
          {!started && (
            <div className="waiting">
              <p>{t("table.waiting")}</p>
              {me !== null && mySeatInfo && !mySeatInfo.ready && (
                <button className="primary" data-testid="ready-button" onClick={() => send({ type: "ready", payload: { table_id: tableId } })}>
                  {t("table.ready")}
                </button>
              )}
            </div>
          )}
          {game?.top && (
            <div className="top-play">
              <small>{seatName(view, game.top.seat, t)}</small>
              <Move move={game.top.play} level={level} />
            </div>
          )}
          {phase && <div className="phase">{t(`table.phase.${phase}`)}</div>}
          {view.reveals.map((r, i) => (
            <div key={i} className="reveal" data-testid="reveal">
              {r.kind === "anti_tribute"
                ? t("table.antiTribute", { seats: (r.seats ?? []).map((s) => seatName(view, s, t)).join(", ") })
                : r.transfers.map((tr, j) => (
                    <span key={j}>
                      {t("table.tributeGiven", { from: seatName(view, tr.from, t), to: seatName(view, tr.to, t), card: "" })}
                      <Card code={tr.card} level={level} small />
                    </span>
                  ))}
            </div>
          ))}
          {myTurn && <div className="your-turn" data-testid="your-turn">{t("table.yourTurn")}</div>}
        </div>
      </div>

      {view.kicked && me === null && (
        <div className="banner warn" data-testid="kicked-banner">
          {t("table.kicked")}
        </div>
      )}

      {host.canEdit && view.options && <HostPanel tableId={tableId} options={view.options} />}

      {mySeatInfo?.auto_play && (
        <div className="banner warn" data-testid="autoplay-banner">
          {t("table.autoplay")}{" "}
          <button className="primary small" data-testid="take-back" onClick={() => send({ type: "hint", payload: { table_id: tableId } })}>
            {t("table.takeBack")}
          </button>
        </div>
      )}

      {game?.hand && (
        <div className="hand" data-testid="hand">
          {hand.cards.map((c, i) => (
            <div key={`${c}-${i}`} className={`slot ${hand.breaks.has(i) ? "gap" : ""}`}>
              <Card code={c} level={level} selected={selected.includes(i)} onClick={() => toggle(i)} testId="hand-card" />
            </div>
          ))}
        </div>
      )}

      {me !== null && game && (
        <div className="controls">
          <button data-testid="sort-button" onClick={() => setSortMode(sortMode === "rank" ? "combo" : "rank")}>
            {sortMode === "rank" ? t("table.sortCombo") : t("table.sortRank")}
          </button>
          <button onClick={() => setSelected([])} disabled={!selected.length}>
            {t("table.clear")}
          </button>
          <button data-testid="hint-button" disabled={!myTurn} onClick={() => send({ type: "hint", payload: { table_id: tableId } })}>
            {t("table.hint")}
          </button>
          <button data-testid="pass-button" disabled={!canPass} onClick={doPass}>
            {t("table.pass")}
          </button>
          <button className="primary" data-testid="play-button" disabled={!canPlay} onClick={() => doPlay()}>
            {cardAction === "tribute" ? t("table.tribute") : cardAction === "return" ? t("table.return") : t("table.play")}
          </button>
          <button onClick={() => setShowPanel(showPanel === "emote" ? null : "emote")}>{t("table.emotes")}</button>
          <button onClick={() => setShowPanel(showPanel === "phrase" ? null : "phrase")}>{t("table.phrases")}</button>
        </div>
      )}

      {showPanel && (
        <div className="panel">
          {showPanel === "emote"
            ? EMOTES.map((e) => (
                <button key={e} onClick={() => (send({ type: "emote", payload: { table_id: tableId, emote: e } }), setShowPanel(null))}>
                  {t(`emote.${e}`)}
                </button>
              ))
            : PHRASES.map((p) => (
                <button key={p} onClick={() => (send({ type: "quick_phrase", payload: { table_id: tableId, phrase: p } }), setShowPanel(null))}>
                  {t(`phrase.${p}`)}
                </button>
              ))}
        </div>
      )}

      {readings && (
        <div className="modal" role="dialog" data-testid="reading-chooser">
          <div className="card">
            <h3>{t("table.reading")}</h3>
            {readings.map((p, i) => (
              <button key={i} className="reading" onClick={() => doPlay(p)}>
                {p[0]} · {p[1]}
              </button>
            ))}
            <button className="link" onClick={() => setReadings(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </div>
      )}

      {showHand && hr && (
        <div className="result card" data-testid="hand-result">
          <h3>{t("table.handResult", { n: hr.hand_no + 1 })}</h3>
          <p>
            {t("table.order")}: {hr.order.map((s, i) => `${t(`place.${i + 1}`)} ${seatName(view, s, t)}`).join(" · ")}
          </p>
          <p>{t("table.promoted", { team: hr.promoted, steps: hr.steps, level: hr.levels[hr.promoted] })}</p>
          {hr.ace_reset !== null && <p>{t("table.aceReset", { team: hr.ace_reset })}</p>}
          <button onClick={() => setDismissedHand(hr.hand_no)}>{t("common.close")}</button>
        </div>
      )}

      {matchOver && (
        <div className="modal" data-testid="match-result">
          <div className="card result">
            <h2>{t("table.matchResult")}</h2>
            <p className="big">
              {view.matchWinner === null ? t("table.draw") : me === null ? t("table.teamWon", { team: String(view.matchWinner) }) : view.matchWinner === myTeam ? t("table.won") : t("table.lost")}
            </p>
            {hr && <p>{t("table.levels", { us: hr.levels[myTeam], them: hr.levels[1 - myTeam] })}</p>}
            <ResultImage tableId={tableId} />
            <div className="row">
              {me !== null && (
                <button className="primary" onClick={() => send({ type: "play_again", payload: { table_id: tableId } })}>
                  {t("table.playAgain")}
                </button>
              )}
              <button
                data-testid="result-lobby"
                onClick={() => {
                  live.forget(tableId);
                  navigate("/");
                }}
              >
                {t("nav.lobby")}
              </button>
            </div>
          </div>
        </div>
      )}
      {view.closed && !matchOver && <div className="banner">{t("table.closed", { reason: view.closed })}</div>}
    </div>
  );
}

/** Host controls of a private room (no match running): edit the options and send them whole. */
function HostPanel({ tableId, options }: { tableId: string; options: RoomOptions }) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(options);
  const [secs, setSecs] = useState({ play: options.timers.play_ms / 1000, tribute: options.timers.tribute_ms / 1000, ret: options.timers.return_ms / 1000 });
  // The server's options win whenever they change (ours applied, or another update).
  useEffect(() => {
    setDraft(options);
    setSecs({ play: options.timers.play_ms / 1000, tribute: options.timers.tribute_ms / 1000, ret: options.timers.return_ms / 1000 });
  }, [options]);
  const apply = () => {
    const next: RoomOptions = { ...draft, timers: { play_ms: timerMs(secs.play), tribute_ms: timerMs(secs.tribute), return_ms: timerMs(secs.ret) } };
    socket.send({ type: "room_update", payload: { table_id: tableId, options: next } });
  };
  return (
    <details className="card host-panel" data-testid="host-panel">
      <summary>{t("table.roomSettings")}</summary>
      <div className="grid-form">
        <label>
          {t("lobby.rules")}
          <select value={draft.rules} onChange={(e) => setDraft({ ...draft, rules: e.target.value as RulesProfile })} data-testid="host-rules">
            <option value="official-2022">official-2022</option>
            <option value="competition">competition</option>
          </select>
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.allow_bots} onChange={(e) => setDraft({ ...draft, allow_bots: e.target.checked })} data-testid="host-bots" />
          {t("lobby.bots")}
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.allow_spectators} onChange={(e) => setDraft({ ...draft, allow_spectators: e.target.checked })} />
          {t("lobby.spectators")}
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.fast_bots} onChange={(e) => setDraft({ ...draft, fast_bots: e.target.checked })} />
          {t("lobby.fastBots")}
        </label>
        <label>
          {t("lobby.timers")}
          <span className="row">
            {(["play", "tribute", "ret"] as const).map((k) => (
              <input key={k} type="number" min={3} max={120} value={secs[k]} className="narrow" onChange={(e) => setSecs({ ...secs, [k]: Number(e.target.value) })} />
            ))}
          </span>
        </label>
        <p className="muted">{t("table.settingsNote")}</p>
        <button className="primary" data-testid="host-apply" onClick={apply}>
          {t("table.applySettings")}
        </button>
      </div>
    </details>
  );
}

/** The server-rendered result image; the match id is taken to be the table id unless told otherwise. */
function ResultImage({ tableId }: { tableId: string }) {
  const { t } = useI18n();
  const [ok, setOk] = useState(true);
  const url = matchCardUrl(tableId);
  if (!ok) return null;
  return (
    <a href={url} target="_blank" rel="noreferrer" className="result-image">
      <img src={url} alt={t("table.resultImage")} onError={() => setOk(false)} />
    </a>
  );
}
