//! The seed-pair lifecycle: commitments, nonces, rotation and its refusal while a round is open.

use fair::seeds::{SeedError, verify_commitment};
use fair::{ClientSeed, SeedPair, ServerSeed};

fn pair() -> SeedPair {
    SeedPair::new(
        ServerSeed::from_bytes([1; 32]),
        ServerSeed::from_bytes([2; 32]),
        ClientSeed::parse("player-chosen").expect("valid"),
    )
    .expect("distinct seeds")
}

#[test]
fn server_seed_hash_is_sha256_of_its_ascii_hex() {
    let seed =
        ServerSeed::parse("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159")
            .expect("valid");
    // sha256 of the 64-character ASCII text, as every third-party verifier computes it.
    let expected = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
        seed.as_str().as_bytes(),
    ));
    assert_eq!(seed.hash(), expected);
    assert!(verify_commitment(seed.as_str(), &expected));
    assert!(!verify_commitment(seed.as_str(), &"0".repeat(64)));
    assert_eq!(ServerSeed::from_bytes([0xab; 32]).as_str(), "ab".repeat(32));
}

#[test]
fn seeds_are_validated() {
    let check_server =
        |text: &str, ok: bool| assert_eq!(ServerSeed::parse(text).is_ok(), ok, "{text}");
    check_server(&"a".repeat(64), true);
    check_server(&"A".repeat(64), false);
    check_server(&"a".repeat(63), false);
    check_server(&"g".repeat(64), false);
    let check_client =
        |text: &str, ok: bool| assert_eq!(ClientSeed::parse(text).is_ok(), ok, "{text}");
    check_client("bb62964774", true);
    check_client("", false);
    check_client("a:b", false);
    check_client("has space", false);
    check_client(&"x".repeat(64), true);
    check_client(&"x".repeat(65), false);
}

#[test]
fn bets_use_consecutive_nonces_from_zero() {
    let mut state = pair();
    for expected in 0..5u64 {
        let (seeds, next) = state.bet().expect("nonce available");
        assert_eq!(seeds.nonce, expected);
        assert_eq!(next.nonce(), expected + 1);
        state = next;
    }
    assert_eq!(state.commitment().nonce, 5);
}

#[test]
fn rotation_reveals_the_committed_seed_and_activates_the_next() {
    let state = pair();
    let before = state.commitment();
    let (_, state) = state.bet().expect("nonce");
    let rotation = state
        .rotate(
            ClientSeed::parse("new-client").expect("valid"),
            ServerSeed::from_bytes([3; 32]),
            false,
        )
        .expect("no round open");
    assert_eq!(
        rotation.revealed.server_seed,
        ServerSeed::from_bytes([1; 32]).as_str()
    );
    assert!(verify_commitment(
        &rotation.revealed.server_seed,
        &before.server_seed_hash
    ));
    assert_eq!(rotation.revealed.nonces_used, 1);
    let after = rotation.pair.commitment();
    assert_eq!(after.server_seed_hash, before.next_server_seed_hash);
    assert_eq!(
        after.next_server_seed_hash,
        ServerSeed::from_bytes([3; 32]).hash()
    );
    assert_eq!(after.nonce, 0);
    assert_eq!(after.client_seed, "new-client");
}

#[test]
fn rotation_is_refused_while_a_round_is_open_or_a_seed_is_reused() {
    let state = pair();
    let client = ClientSeed::parse("c").expect("valid");
    assert_eq!(
        state.rotate(client.clone(), ServerSeed::from_bytes([3; 32]), true),
        Err(SeedError::RoundOpen)
    );
    assert_eq!(
        state.rotate(client.clone(), ServerSeed::from_bytes([2; 32]), false),
        Err(SeedError::SeedReused)
    );
    assert_eq!(
        state.rotate(client, ServerSeed::from_bytes([1; 32]), false),
        Err(SeedError::SeedReused)
    );
}

#[test]
fn pair_round_trips_through_json_and_debug_hides_seeds() {
    let state = pair();
    let json = serde_json::to_string(&state).expect("serialisable");
    let back: SeedPair = serde_json::from_str(&json).expect("deserialisable");
    assert_eq!(back, state);
    let debug = format!("{state:?}");
    assert!(
        !debug.contains(ServerSeed::from_bytes([1; 32]).as_str()),
        "{debug}"
    );
    assert!(serde_json::from_str::<SeedPair>(&json.replace("0101", "zz01")).is_err());
}
