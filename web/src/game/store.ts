// The live state shared by the screens: tables the player sits at or watches (kept in sync through
// `table.ts`), the last error, the live bet feed and balance pushes from the same WebSocket.
import { useSyncExternalStore } from "react";
import type { ServerEnvelope } from "../protocol";
import { socket, type GameSocket } from "../api/ws";
import type { FeedItem } from "../api/types";
import { applyEnvelope, emptyTable, type TableView } from "./table";

export interface LiveState {
  tables: Record<string, TableView>;
  /** Tables where the server says we hold a seat (from `welcome`). */
  seatedTables: string[];
  lastError: { code: string; message: string; at: number } | null;
  /** Errors the server sent since the connection opened (a refused request among them). */
  errors: number;
  feed: FeedItem[];
  /** Latest pushed balance per currency (minor units). */
  balances: Record<string, number>;
  queued: boolean;
}

/** Most feed items kept in memory. */
const FEED_ITEMS_MAX = 50;

export class LiveStore {
  state: LiveState = { tables: {}, seatedTables: [], lastError: null, errors: 0, feed: [], balances: {}, queued: false };
  private listeners = new Set<() => void>();
  private welcomed = false;
  private userId: string | undefined;
  private sock: GameSocket;

  constructor(sock: GameSocket) {
    this.sock = sock;
    sock.on((env) => this.handle(env));
  }

  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => {
      this.listeners.delete(l);
    };
  };

  getState = () => this.state;

  private set(patch: Partial<LiveState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l();
  }

  private setTable(view: TableView): void {
    this.set({ tables: { ...this.state.tables, [view.tableId]: view } });
  }

  handle(env: ServerEnvelope | (Record<string, unknown> & { type: string; payload: unknown })): void {
    const e = env as ServerEnvelope;
    switch (e.type) {
      case "welcome": {
        const reconnect = this.welcomed;
        this.welcomed = true;
        this.userId = e.payload.user_id;
        this.set({ seatedTables: e.payload.tables });
        // After a reconnect, ask every table we follow for what we missed (the server also sends
        // snapshots of seated tables; a resync answered by a snapshot is harmless).
        if (reconnect) {
          for (const t of Object.values(this.state.tables)) {
            if (!t.closed) this.sock.send({ type: "resync", payload: { table_id: t.tableId, last_seq: t.seq } });
          }
        }
        return;
      }
      case "error":
        this.set({ lastError: { code: e.payload.code, message: e.payload.message, at: Date.now() }, errors: this.state.errors + 1 });
        return;
      case "match_found":
        this.set({ queued: false });
        return;
      default:
        break;
    }
    const loose = env as { type: string; payload: Record<string, unknown> };
    if (loose.type === "bet_feed") {
      const items = (Array.isArray(loose.payload.items) ? loose.payload.items : Array.isArray(loose.payload.bets) ? loose.payload.bets : [loose.payload]) as FeedItem[];
      this.set({ feed: [...items.reverse(), ...this.state.feed].slice(0, FEED_ITEMS_MAX) });
      return;
    }
    if (loose.type === "balance_changed") {
      const p = loose.payload as { currency?: string; balance?: number; available?: number };
      if (p.currency) this.set({ balances: { ...this.state.balances, [p.currency]: Number(p.available ?? p.balance ?? 0) } });
      return;
    }
    const tableId =
      e.table_id ??
      (e.type === "table_snapshot" ? e.payload.table_id : undefined) ??
      (e.type === "legal_moves" ? e.payload.table_id : undefined) ??
      (e.type === "hint" ? e.payload.table_id : undefined) ??
      (e.type === "room_created" ? e.payload.table_id : undefined);
    if (!tableId) return;
    const current = this.state.tables[tableId] ?? { ...emptyTable(tableId), myUserId: this.userId };
    const { view, resync } = applyEnvelope(current, e);
    if (view !== current) this.setTable(view);
    if (resync !== undefined) this.sock.send({ type: "resync", payload: { table_id: tableId, last_seq: resync } });
  }

  clearError(): void {
    this.set({ lastError: null });
  }

  setQueued(q: boolean): void {
    this.set({ queued: q });
  }

  forget(tableId: string): void {
    const tables = { ...this.state.tables };
    delete tables[tableId];
    this.set({ tables, seatedTables: this.state.seatedTables.filter((t) => t !== tableId) });
  }

  setBalance(currency: string, available: number): void {
    this.set({ balances: { ...this.state.balances, [currency]: available } });
  }

  pushFeed(items: FeedItem[]): void {
    this.set({ feed: [...items, ...this.state.feed].slice(0, FEED_ITEMS_MAX) });
  }
}

export const live = new LiveStore(socket);

export function useLive(): LiveState {
  return useSyncExternalStore(live.subscribe, live.getState, live.getState);
}
