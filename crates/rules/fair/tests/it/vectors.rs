//! The byte stream against published verifier vectors: bytes at offsets, round HMACs, floats.

use fair::ByteStream;
use fair::stream::ROUND_BYTES;

use crate::{fixture, seed};

#[test]
fn bytes_and_round_hmacs_match_published_vectors() {
    let fixture = fixture();
    let cases = fixture["bytes"].as_array().expect("bytes vectors");
    assert!(cases.len() >= 9);
    for case in cases {
        let (server, client, nonce) = seed(&fixture, &case["seed"]);
        let offset = case["offset"].as_u64().expect("offset") as usize;
        let expected: Vec<u8> = case["bytes"]
            .as_array()
            .expect("bytes")
            .iter()
            .map(|b| b.as_u64().expect("byte") as u8)
            .collect();
        let mut stream = ByteStream::new(&server, &client, nonce);
        let mut skipped = vec![0u8; offset];
        stream.fill(&mut skipped);
        assert_eq!(stream.cursor(), offset as u64);
        let mut got = vec![0u8; expected.len()];
        stream.fill(&mut got);
        assert_eq!(got, expected, "bytes of {case}");

        let first_round = (offset / ROUND_BYTES) as u64;
        for (i, hmac) in case["hmacs"].as_array().expect("hmacs").iter().enumerate() {
            let round = stream.round_bytes(first_round + i as u64);
            assert_eq!(
                hex::encode(round),
                hmac.as_str().expect("hmac hex"),
                "round {i} of {case}"
            );
        }
    }
}

#[test]
fn floats_match_published_vectors_to_twelve_decimals() {
    let fixture = fixture();
    for case in fixture["floats"].as_array().expect("float vectors") {
        let (server, client, nonce) = seed(&fixture, &case["seed"]);
        let mut stream = ByteStream::new(&server, &client, nonce);
        for _ in 0..case["offset"].as_u64().expect("offset") {
            stream.next_float();
        }
        for expected in case["floats_12dp"].as_array().expect("floats") {
            let expected = expected.as_f64().expect("float");
            let got = stream.next_float();
            // The verifier printed each float rounded to 12 decimals.
            assert!(
                (got - expected).abs() <= 5e-13,
                "got {got}, published {expected}"
            );
        }
    }
}

#[test]
fn seed_key_streams_equal_fresh_streams() {
    let key =
        fair::SeedKey::new("18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159");
    for nonce in [0u64, 1, 54, u64::MAX] {
        let mut a = key.stream("bb62964774", nonce);
        let mut b = ByteStream::new(
            "18e93f4a7b5b58d2569765766d1b6c3296bbd8430d6f20249044d72f14720159",
            "bb62964774",
            nonce,
        );
        let (mut x, mut y) = ([0u8; 100], [0u8; 100]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_eq!(x, y);
    }
}

#[test]
fn second_source_commitment_round_and_card_index_match() {
    let fixture = fixture();
    for case in fixture["second_source"]
        .as_array()
        .expect("second source vectors")
    {
        let text = |key: &str| case[key].as_str().expect("string field").to_owned();
        let server = text("server_seed");
        assert!(fair::seeds::verify_commitment(
            &server,
            &text("server_seed_sha256")
        ));
        let mut stream = ByteStream::new(
            &server,
            &text("client_seed"),
            case["nonce"].as_u64().expect("nonce"),
        );
        let round = case["round"].as_u64().expect("round");
        assert_eq!(hex::encode(stream.round_bytes(round)), text("round_hmac"));
        // The first float of that round is float 8 * round of the stream.
        let mut skipped = vec![0u8; ROUND_BYTES * round as usize];
        stream.fill(&mut skipped);
        let index = stream.next_index(52);
        assert_eq!(
            u64::from(index),
            case["first_float_of_round_times_52_floor"]
                .as_u64()
                .expect("index")
        );
    }
}
