//! The Guandan WebSocket protocol: the versioned JSON envelope, every client and server message, wire
//! value types with conversions from and to `guandan`, the bounded frame parser, the per-recipient
//! projection of engine events, and the TypeScript declarations of it all. Pure: no I/O, no clock.

pub mod client;
pub mod errors;
pub mod limits;
pub mod project;
pub mod seq;
pub mod server;
pub mod ts;
pub mod wire;

pub use client::{
    ClientEnvelope, ClientMessage, MatchMode, ParseError, ParseFailure, RoomOptions, parse_client,
};
pub use limits::PROTOCOL_VERSION;
pub use project::{Recipient, event_message, event_messages};
pub use seq::{ResyncPlan, SeqCheck, check_seq, resync_plan};
pub use server::{
    ErrorPayload, GameState, LegalMoves, ServerEnvelope, ServerMessage, TableSnapshot,
};
pub use wire::{
    CardCode, RequestId, RoomCode, TableId, UserId, WireError, WireMove, WirePlay, WireSeat,
};
