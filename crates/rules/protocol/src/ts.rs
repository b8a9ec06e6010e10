//! The TypeScript declarations of every wire type, generated from the Rust types with `ts-rs`, as the
//! text of `web/src/protocol/index.ts` (a test fails when the committed file is stale).

use crate::client::{
    ClientEnvelope, ClientMessage, EmoteId, MatchMode, PhraseId, ReportReason, RoomOptions,
    RulesProfile, Timers,
};
use crate::server::{
    BetFeedItem, CloseReason, ErrorPayload, GameState, HandResultInfo, LegalMoves, PhaseName,
    PlayList, PlayerInfo, SeatInfo, SeatMove, SeatPlay, ServerEnvelope, ServerMessage,
    SuggestedAction, TableSnapshot, TimerInfo, TransferInfo, TributeInfo, Welcome,
};
use crate::wire::{CardCode, RequestId, RoomCode, TableId, UserId, WireMove, WirePlay, WireSeat};
use ts_rs::{Config, TS};

/// Path of the generated file, relative to the repository root.
pub const TS_OUTPUT_PATH: &str = "web/src/protocol/index.ts";

fn decl<T: TS>(cfg: &Config, out: &mut String) {
    if let Some(docs) = T::docs() {
        out.push_str(&docs);
    }
    out.push_str("export ");
    out.push_str(&T::decl(cfg));
    out.push_str("\n\n");
}

/// The full text of `index.ts`.
pub fn typescript() -> String {
    // Sequence numbers and times are u64 in Rust but stay far below 2^53, so plain numbers are exact.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from crates/rules/protocol by ts-rs; do not edit.\n\
         // Regenerate with: UPDATE_TS=1 cargo test -p protocol\n\n",
    );
    let o = &mut out;
    decl::<CardCode>(&cfg, o);
    decl::<WirePlay>(&cfg, o);
    decl::<WireMove>(&cfg, o);
    decl::<WireSeat>(&cfg, o);
    decl::<RequestId>(&cfg, o);
    decl::<TableId>(&cfg, o);
    decl::<RoomCode>(&cfg, o);
    decl::<UserId>(&cfg, o);
    decl::<ClientEnvelope>(&cfg, o);
    decl::<ClientMessage>(&cfg, o);
    decl::<MatchMode>(&cfg, o);
    decl::<RulesProfile>(&cfg, o);
    decl::<Timers>(&cfg, o);
    decl::<RoomOptions>(&cfg, o);
    decl::<EmoteId>(&cfg, o);
    decl::<PhraseId>(&cfg, o);
    decl::<ReportReason>(&cfg, o);
    decl::<ServerEnvelope>(&cfg, o);
    decl::<ServerMessage>(&cfg, o);
    decl::<Welcome>(&cfg, o);
    decl::<ErrorPayload>(&cfg, o);
    decl::<BetFeedItem>(&cfg, o);
    decl::<CloseReason>(&cfg, o);
    decl::<PlayerInfo>(&cfg, o);
    decl::<SeatInfo>(&cfg, o);
    decl::<TimerInfo>(&cfg, o);
    decl::<TableSnapshot>(&cfg, o);
    decl::<PhaseName>(&cfg, o);
    decl::<SeatPlay>(&cfg, o);
    decl::<SeatMove>(&cfg, o);
    decl::<TributeInfo>(&cfg, o);
    decl::<TransferInfo>(&cfg, o);
    decl::<GameState>(&cfg, o);
    decl::<HandResultInfo>(&cfg, o);
    decl::<PlayList>(&cfg, o);
    decl::<LegalMoves>(&cfg, o);
    decl::<SuggestedAction>(&cfg, o);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
