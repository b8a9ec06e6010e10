//! Settings of the Guandan table service (`[guandan]` in the config file): timers, bot pacing,
//! reconnect and close windows, quick-match matching, WebSocket limits and queue depths.

use serde::{Deserialize, Serialize};

/// The `[guandan]` section. Every duration is in milliseconds; every queue and list has a bound.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct GuandanConfig {
    /// Play timer of quick-match tables (private rooms choose their own within the protocol's range).
    pub play_timer_ms: u32,
    /// Tribute timer of quick-match tables.
    pub tribute_timer_ms: u32,
    /// Return timer of quick-match tables.
    pub return_timer_ms: u32,
    /// Quick-match tables use fast bots (no human-like delay).
    pub fast_bots: bool,
    /// Shortest human-like bot delay.
    pub bot_delay_ms_min: u64,
    /// Longest human-like bot delay.
    pub bot_delay_ms_max: u64,
    /// A disconnected player's seat goes to auto-play after this long.
    pub disconnect_grace_ms: u64,
    /// A table with no connected human pauses, and closes after this long.
    pub abandoned_close_ms: u64,
    /// A finished table nobody plays again at closes after this long.
    pub finished_close_ms: u64,
    /// Casual quick match: bots fill the table once the oldest player waited this long.
    pub quick_match_bot_fill_ms: u64,
    /// How often the matchmaker looks for matches.
    pub quick_match_tick_ms: u64,
    /// Rating difference accepted at once.
    pub rating_window_base: i32,
    /// Rating difference added per second of waiting.
    pub rating_window_per_sec: i32,
    /// Largest rating window.
    pub rating_window_max: i32,
    /// Sustained client frames per second per connection.
    pub ws_messages_per_sec: u32,
    /// Burst of client frames per connection; beyond it the connection gets `rate_limited` and is closed.
    pub ws_messages_burst: u32,
    /// Refused frames (bad JSON, unknown type, …) a connection may send before it is closed.
    pub ws_bad_frames_max: u32,
    /// Hard cap of a WebSocket message in bytes (larger frames break the connection; frames between
    /// the protocol's 4 KiB limit and this get a coded `frame_too_large`).
    pub ws_frame_bytes_hard_max: usize,
    /// Messages queued to one connection; a consumer that falls this far behind is disconnected.
    pub ws_outbound_queue: usize,
    /// Commands queued to one table.
    pub table_mailbox: usize,
    /// Table events kept per table for `resync`.
    pub event_buffer_max: usize,
    /// Spectators per table.
    pub spectators_max: usize,
    /// Tables per node.
    pub tables_max: usize,
    /// Connections a node admits; over it (or at `tables_max`), new connections wait in the waiting
    /// room and are admitted in order (`queue_ticket`). A player seated at a table here is always
    /// admitted.
    pub ws_connections_max: usize,
    /// Connections waiting at most; beyond, a new one is refused (`unavailable`, close code 1013).
    pub waiting_room_max: usize,
    /// Emotes and phrases: one token every this many milliseconds per seat.
    pub emote_interval_ms: u64,
    /// Emotes and phrases: burst per seat.
    pub emote_burst: u32,
    /// Log operations queued for the batched writer.
    pub log_queue_depth: usize,
    /// Most log operations written in one batch.
    pub log_batch_max: usize,
    /// Send the full legal-move list (every card choice) instead of the compact one.
    pub full_legal_moves: bool,
    /// A player the host removed from a room (`room_kick`) may take a seat there again after this long.
    pub room_kick_rejoin_ms: u64,
    /// `auth_expiring` is pushed this long before the connection's access token expires.
    pub ws_auth_notice_ms: u64,
    /// A connection whose access token expired without an `auth_refresh` is closed this long after.
    pub ws_auth_grace_ms: u64,
    /// A connection opened with an operator-session token re-checks its session this often and
    /// closes (`session_revoked` / `session_expired`, close code `4001`) once it has ended.
    pub ws_session_check_ms: u64,
}

impl Default for GuandanConfig {
    fn default() -> Self {
        Self {
            play_timer_ms: 20_000,
            tribute_timer_ms: 15_000,
            return_timer_ms: 30_000,
            fast_bots: false,
            bot_delay_ms_min: 700,
            bot_delay_ms_max: 1_800,
            disconnect_grace_ms: 15_000,
            abandoned_close_ms: 120_000,
            finished_close_ms: 300_000,
            quick_match_bot_fill_ms: 10_000,
            quick_match_tick_ms: 250,
            rating_window_base: 100,
            rating_window_per_sec: 25,
            rating_window_max: 1_000,
            ws_messages_per_sec: 20,
            ws_messages_burst: 40,
            ws_bad_frames_max: 20,
            ws_frame_bytes_hard_max: 64 * 1024,
            ws_outbound_queue: 512,
            table_mailbox: 256,
            event_buffer_max: 512,
            spectators_max: 64,
            tables_max: 20_000,
            ws_connections_max: 100_000,
            waiting_room_max: 100_000,
            emote_interval_ms: 2_000,
            emote_burst: 3,
            log_queue_depth: 65_536,
            log_batch_max: 1_024,
            full_legal_moves: false,
            room_kick_rejoin_ms: 60_000,
            ws_auth_notice_ms: 60_000,
            ws_auth_grace_ms: 10_000,
            ws_session_check_ms: 5_000,
        }
    }
}
