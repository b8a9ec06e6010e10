//! Turns engine events into the message each recipient may receive. Every event becomes exactly one
//! message per recipient, so all recipients share one per-table sequence; an event private to another
//! seat becomes its redacted form, decided by `Event::visible_to` alone, so hidden cards cannot leak.

use crate::server::{HandResultInfo, ServerMessage, TransferInfo};
use crate::wire::{CardCode, WirePlay, WireSeat};
use guandan::game::Transfer;
use guandan::{Event, Seat};

/// Who receives a table message.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Recipient {
    /// The player in this seat.
    Seat(Seat),
    /// A spectator (public information only).
    Spectator,
}

impl Recipient {
    /// The seat, `None` for a spectator (the engine's viewer convention).
    pub fn seat(self) -> Option<Seat> {
        match self {
            Recipient::Seat(s) => Some(s),
            Recipient::Spectator => None,
        }
    }
    /// The four seats and a spectator, in that order.
    pub fn all() -> [Recipient; 5] {
        let s = |i| Recipient::Seat(Seat::wrapping(i));
        [s(0), s(1), s(2), s(3), Recipient::Spectator]
    }
}

/// The message `to` receives for `event`.
pub fn event_message(event: &Event, to: Recipient) -> ServerMessage {
    // The one switch between full and redacted forms: private cards are copied only when visible.
    let visible = event.visible_to(to.seat());
    let seat = WireSeat;
    match event {
        Event::Deal {
            hand_no,
            level,
            seat: s,
            cards,
        } => ServerMessage::Deal {
            hand_no: *hand_no,
            level: level.to_string(),
            seat: seat(*s),
            count: u8::try_from(cards.len()).unwrap_or(u8::MAX),
            cards: visible.then(|| cards.iter().copied().map(CardCode).collect()),
        },
        Event::AntiTribute { seats, cards } => ServerMessage::AntiTribute {
            seats: seats.iter().copied().map(seat).collect(),
            cards: cards.iter().copied().map(CardCode).collect(),
        },
        Event::TributeStart { payers } => ServerMessage::TributeStart {
            payers: payers.iter().copied().map(seat).collect(),
        },
        Event::TributePaid { seat: s, card } => ServerMessage::TributePaid {
            seat: seat(*s),
            card: visible.then_some(CardCode(*card)),
        },
        Event::TributeResult { transfers } => ServerMessage::TributeResult {
            transfers: transfer_infos(transfers),
        },
        Event::Returned { seat: s, card } => ServerMessage::Returned {
            seat: seat(*s),
            card: visible.then_some(CardCode(*card)),
        },
        Event::ReturnResult { transfers } => ServerMessage::ReturnResult {
            transfers: transfer_infos(transfers),
        },
        Event::FirstLead { seat: s } => ServerMessage::FirstLead { seat: seat(*s) },
        Event::Played { seat: s, play } => ServerMessage::Played {
            seat: seat(*s),
            play: WirePlay(*play),
        },
        Event::Passed { seat: s } => ServerMessage::Passed { seat: seat(*s) },
        Event::TrickWon {
            winner,
            leader,
            jiefeng,
        } => ServerMessage::TrickWon {
            winner: seat(*winner),
            leader: seat(*leader),
            jiefeng: *jiefeng,
        },
        Event::PlayerOut { seat: s, place } => ServerMessage::PlayerOut {
            seat: seat(*s),
            place: *place,
        },
        Event::HandOver(r) => ServerMessage::HandResult(HandResultInfo::from(r)),
        Event::MatchOver { winner } => ServerMessage::MatchResult {
            winner: winner.map(u8::from),
        },
    }
}

/// The messages `to` receives for `events`, one per event, in order.
pub fn event_messages(events: &[Event], to: Recipient) -> Vec<ServerMessage> {
    events.iter().map(|e| event_message(e, to)).collect()
}

fn transfer_infos(transfers: &[Transfer]) -> Vec<TransferInfo> {
    transfers
        .iter()
        .map(|t| TransferInfo {
            from: WireSeat(t.from),
            to: WireSeat(t.to),
            card: CardCode(t.card),
        })
        .collect()
}
