//! Sequence-number arithmetic for resync: what the server sends a client that says it last saw `last_seq`,
//! given which table events it still buffers. Kept pure so the server and its tests agree on the edges.

/// What answers a `resync`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ResyncPlan {
    /// The client has every event; nothing to send.
    UpToDate,
    /// Re-send the buffered events `from_seq..=to_seq`, in order.
    Replay {
        /// First event to send.
        from_seq: u64,
        /// Last event to send (the latest).
        to_seq: u64,
    },
    /// Send a fresh `table_snapshot` (the events are no longer buffered, or `last_seq` is from the future).
    Snapshot,
}

/// The answer to `resync {last_seq}` when the table's latest event is `latest_seq` (0: none yet) and the
/// oldest event still buffered is `oldest_buffered_seq` (`None`: nothing buffered).
pub fn resync_plan(last_seq: u64, oldest_buffered_seq: Option<u64>, latest_seq: u64) -> ResyncPlan {
    if last_seq == latest_seq {
        return ResyncPlan::UpToDate;
    }
    if last_seq > latest_seq {
        return ResyncPlan::Snapshot;
    }
    let from_seq = last_seq + 1;
    match oldest_buffered_seq {
        Some(oldest) if oldest <= from_seq => ResyncPlan::Replay {
            from_seq,
            to_seq: latest_seq,
        },
        _ => ResyncPlan::Snapshot,
    }
}

/// How a received table event's `seq` relates to the last one a client saw.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SeqCheck {
    /// The next event: apply it.
    Next,
    /// Already seen (a resync overlap): ignore it.
    Duplicate,
    /// Events are missing: send `resync {last_seq}`.
    Gap,
}

/// Classifies event `seq` after the client's `last_seq` (0: none seen yet).
pub fn check_seq(last_seq: u64, seq: u64) -> SeqCheck {
    if seq <= last_seq {
        SeqCheck::Duplicate
    } else if seq == last_seq + 1 {
        SeqCheck::Next
    } else {
        SeqCheck::Gap
    }
}

#[cfg(test)]
mod tests {
    use super::{ResyncPlan, SeqCheck, check_seq, resync_plan};

    #[test]
    fn seq_checks() {
        assert_eq!(check_seq(0, 1), SeqCheck::Next);
        assert_eq!(check_seq(41, 42), SeqCheck::Next);
        assert_eq!(check_seq(41, 41), SeqCheck::Duplicate);
        assert_eq!(check_seq(41, 3), SeqCheck::Duplicate);
        assert_eq!(check_seq(41, 43), SeqCheck::Gap);
        assert_eq!(check_seq(0, u64::MAX), SeqCheck::Gap);
    }

    fn check(last: u64, oldest: Option<u64>, latest: u64, expected: ResyncPlan) {
        assert_eq!(
            resync_plan(last, oldest, latest),
            expected,
            "{last} {oldest:?} {latest}"
        );
    }

    #[test]
    fn plans() {
        use ResyncPlan::*;
        check(0, None, 0, UpToDate);
        check(9, Some(1), 9, UpToDate);
        check(
            7,
            Some(1),
            9,
            Replay {
                from_seq: 8,
                to_seq: 9,
            },
        );
        check(
            0,
            Some(1),
            3,
            Replay {
                from_seq: 1,
                to_seq: 3,
            },
        );
        check(
            4,
            Some(5),
            9,
            Replay {
                from_seq: 5,
                to_seq: 9,
            },
        );
        check(3, Some(5), 9, Snapshot);
        check(3, None, 9, Snapshot);
        check(10, Some(1), 9, Snapshot);
        check(u64::MAX, Some(1), 9, Snapshot);
        check(
            u64::MAX - 1,
            Some(1),
            u64::MAX,
            Replay {
                from_seq: u64::MAX,
                to_seq: u64::MAX,
            },
        );
    }
}
