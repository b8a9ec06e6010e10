//! Named limits on everything a WebSocket peer can make grow: frame size, identifiers, lists, timers.
//! The server enforces them before anything else and announces them in `welcome`.

/// Protocol version carried in every envelope's `v`; a frame with another version is refused.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest client text frame, in bytes (the longest legal client message is well under 1 KiB).
pub const WS_MESSAGE_BYTES_MAX: usize = 4 * 1024;

/// Longest client-chosen request id, in bytes (printable ASCII only).
pub const REQUEST_ID_BYTES_MAX: usize = 64;

/// Longest table id, in bytes (`[A-Za-z0-9_-]`).
pub const TABLE_ID_BYTES_MAX: usize = 32;

/// Length of a private-room code, in characters.
pub const ROOM_CODE_CHARS: usize = 6;

/// Alphabet of room codes: upper-case letters and digits without the easily confused `0 O 1 I L`.
pub const ROOM_CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Longest user id, in bytes: a decimal u64 (ids are sent as strings so JavaScript keeps every digit).
pub const USER_ID_BYTES_MAX: usize = 20;

/// Shortest configurable action timer, in milliseconds.
pub const TIMER_MS_MIN: u32 = 3_000;

/// Longest configurable action timer, in milliseconds.
pub const TIMER_MS_MAX: u32 = 120_000;

/// Default play timer, in milliseconds.
pub const PLAY_TIMER_MS_DEFAULT: u32 = 20_000;

/// Default tribute timer, in milliseconds.
pub const TRIBUTE_TIMER_MS_DEFAULT: u32 = 15_000;

/// Default return timer, in milliseconds.
pub const RETURN_TIMER_MS_DEFAULT: u32 = 30_000;

/// Most plays listed in one `legal_moves` message; longer lists are cut and flagged `truncated`.
pub const LEGAL_PLAYS_MAX: usize = 4_096;

/// Longest user-facing error message, in bytes (longer texts are cut at a character boundary).
pub const ERROR_MESSAGE_BYTES_MAX: usize = 256;

/// Longest display name in seat information, in bytes.
pub const DISPLAY_NAME_BYTES_MAX: usize = 64;

/// Longest access token accepted in `auth_refresh`, in bytes (the server's tokens are ~250 bytes).
pub const ACCESS_TOKEN_BYTES_MAX: usize = 2_048;
