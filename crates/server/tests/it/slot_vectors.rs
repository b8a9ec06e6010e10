//! Fixtures for the browser's slot verifier (`web/src/fair/slots.test.ts`): for every shipped slot, the
//! definition the catalogue publishes and rounds played by the server's own engine, from fixed seeds
//! (the whole provably fair path), and capped rounds of each game re-published with a low `max_win`. The
//! committed file must equal what the engine produces now; regenerate it with
//! `UPDATE_FIXTURES=1 cargo test -p server --test it slot_vectors`.

use std::collections::BTreeSet;
use std::path::PathBuf;

use ::games::catalogue::{self, GameKind, SLOT_GAMES};
use ::games::engine;
use fair::ByteStream;
use serde_json::{Value, json};

const FIXTURE: &str = "tests/fixtures/slot_verifier_vectors.json";
const SERVER_SEED: &str = "a3f1c0de5b7e42d19c8a6f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5b6a7f8e9d0c";
const CLIENT_SEED: &str = "slot-vectors";
/// Nonces scanned for rounds showing each feature (free spins, retriggers, mystery, …).
const NONCE_SCAN: u64 = 6000;
/// Ordinary rounds kept from the start of the scan, whatever they show.
const PLAIN_ROUNDS: u64 = 4;

fn fixture_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

fn spins(outcome: &Value) -> Vec<&Value> {
    let mut all = vec![&outcome["base"]];
    if let Some(free) = outcome["free_spins"].as_array() {
        all.extend(free);
    }
    all
}

/// The features a round shows, as tags the TypeScript test prints and this test requires.
fn features(def: &Value, outcome: &Value) -> BTreeSet<&'static str> {
    let wilds: BTreeSet<&str> = def["symbols"]
        .as_array()
        .expect("symbols")
        .iter()
        .filter(|s| s["wild"] == true)
        .filter_map(|s| s["name"].as_str())
        .collect();
    let mut f = BTreeSet::new();
    if outcome["total_win"] == 0 {
        f.insert("no_win");
    }
    if outcome["capped"] == true {
        f.insert("capped");
    }
    let base_only = outcome["free_spins"].as_array().is_none_or(Vec::is_empty);
    if !base_only {
        f.insert("free_spins");
    }
    for (i, spin) in spins(outcome).into_iter().enumerate() {
        let m = spin["multiplier"].as_u64().expect("multiplier");
        for w in spin["line_wins"].as_array().expect("line wins") {
            f.insert("line_win");
            if w["multiplier"].as_u64() > Some(m) {
                f.insert("wild_multiplier");
            }
            if w["symbol"].as_str().is_some_and(|s| wilds.contains(s)) {
                f.insert("wild_line");
            }
        }
        for w in spin["ways_wins"].as_array().expect("ways wins") {
            f.insert("ways_win");
            if w["ways"].as_u64() > Some(1) {
                f.insert("several_ways");
            }
        }
        for w in spin["scatter_wins"].as_array().expect("scatter wins") {
            if w["win"].as_u64() > Some(0) {
                f.insert("scatter_win");
            }
        }
        if i > 0 && spin["free_spins_awarded"].as_u64() > Some(0) {
            f.insert("retrigger");
        }
        if !spin["mystery"].is_null() {
            f.insert("mystery");
        }
    }
    f
}

/// Features every game's vectors must cover, so a regenerated file cannot quietly lose a code path.
fn required(id: &str) -> &'static [&'static str] {
    match id {
        "lantern_festival" => &[
            "no_win",
            "line_win",
            "wild_multiplier",
            "wild_line",
            "scatter_win",
            "free_spins",
            "retrigger",
            "capped",
            "forfeited",
        ],
        "copper_canyon" => &[
            "no_win",
            "ways_win",
            "several_ways",
            "scatter_win",
            "free_spins",
            "capped",
            "forfeited",
        ],
        "orchard_crates" => &["no_win", "line_win", "scatter_win", "mystery", "capped"],
        _ => &["no_win"],
    }
}

fn bet(id: &str, def: &Value, nonce: u64) -> (Value, BTreeSet<&'static str>) {
    let game = catalogue::slot(id).expect("shipped slot");
    // Vary the line bet so amounts are not all one multiple of the cost.
    let amount = game.cost * (1 + nonce % 5);
    let mut stream = ByteStream::new(SERVER_SEED, CLIENT_SEED, nonce);
    let played = engine::play(id, GameKind::Slot, &Value::Null, &mut stream, amount).expect("play");
    let tags = features(def, &played.outcome);
    let v = json!({
        "features": tags,
        "server_seed": SERVER_SEED,
        "client_seed": CLIENT_SEED,
        "nonce": nonce,
        "amount": amount,
        "outcome": played.outcome,
        "multiplier_units": played.multiplier,
        "payout": played.payout,
    });
    (v, tags)
}

/// Max win (in total bets) of the capped variants: low enough that seeded rounds reach it.
const VARIANT_MAX_WIN: u64 = 3;

/// A capped round: no shipped game reaches its cap in a short scan (Orchard Crates' 1000x is out of
/// reach of its base reels), so the game is re-published with `max_win` lowered to
/// [`VARIANT_MAX_WIN`] and the first seeded round that passes it is kept, with its definition and
/// floats. For a free-spin game the round must also forfeit spins owed when the cap was reached.
fn crafted(id: &str) -> Option<Value> {
    let mut game = catalogue::slot(id).expect("shipped slot").clone();
    game.max_win = Some(VARIANT_MAX_WIN);
    let def = catalogue::slot_definition(&game);
    let line_bet = 3;
    for nonce in 0..NONCE_SCAN {
        let mut stream = ByteStream::new(SERVER_SEED, "slot-vectors-capped", nonce);
        let floats: Vec<f64> = (0..2048).map(|_| stream.next_float()).collect();
        let Ok(round) = slots::spin::spin(&game, line_bet, floats.iter().copied()) else {
            continue;
        };
        let wanted = round.capped
            && (game.free_spins.is_none() || round.free_spins_forfeited > 0)
            && round.free_spins.len() < 8;
        if !wanted {
            continue;
        }
        let outcome = serde_json::to_value(&round).expect("json");
        let mut tags = features(&def, &outcome);
        if round.free_spins_forfeited > 0 {
            tags.insert("forfeited");
        }
        return Some(json!({
            "features": tags,
            "definition": def,
            "line_bet": line_bet,
            "floats": floats[..round.floats_used],
            "outcome": outcome,
        }));
    }
    None
}

fn generate() -> Value {
    let mut games = Vec::new();
    for (id, _) in SLOT_GAMES {
        let game = catalogue::slot(id).expect("shipped slot");
        let def = catalogue::slot_definition(game);
        let mut chosen: Vec<u64> = (0..PLAIN_ROUNDS).collect();
        let mut covered: BTreeSet<&str> = BTreeSet::new();
        for nonce in 0..NONCE_SCAN {
            let (_, tags) = bet(id, &def, nonce);
            if nonce < PLAIN_ROUNDS || !tags.is_subset(&covered) {
                covered.extend(tags);
                if !chosen.contains(&nonce) {
                    chosen.push(nonce);
                }
            }
        }
        let bets: Vec<Value> = chosen.iter().map(|&n| bet(id, &def, n).0).collect();
        let crafted: Vec<Value> = crafted(id).into_iter().collect();
        games.push(json!({"id": id, "definition": def, "bets": bets, "crafted": crafted}));
    }
    json!({
        "source": "crates/server/tests/it/slot_vectors.rs: the catalogue's `definition` and rounds played by the server's engine (engine::play, slots::spin); regenerate with UPDATE_FIXTURES=1 cargo test -p server --test it slot_vectors",
        "games": games,
    })
}

/// The committed text: pretty-printed JSON with a final newline.
fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("json");
    s.push('\n');
    s
}

#[test]
fn slot_vectors_are_current_and_cover_every_feature() {
    let fresh = generate();
    for g in fresh["games"].as_array().expect("games") {
        let id = g["id"].as_str().expect("id");
        let mut seen = BTreeSet::new();
        for case in g["bets"]
            .as_array()
            .expect("bets")
            .iter()
            .chain(g["crafted"].as_array().expect("crafted"))
        {
            for t in case["features"].as_array().expect("features") {
                seen.insert(t.as_str().expect("tag").to_owned());
            }
        }
        for r in required(id) {
            assert!(
                seen.contains(*r),
                "{id}: no vector shows `{r}` (scan more nonces or craft a round)"
            );
        }
    }
    let text = render(&fresh);
    let path = fixture_path();
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(path.parent().expect("folder")).expect("create fixtures folder");
        std::fs::write(&path, &text).expect("write fixture");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale; regenerate it with: UPDATE_FIXTURES=1 cargo test -p server --test it slot_vectors",
        path.display()
    );
}

#[test]
fn the_published_definition_replays_the_engine() {
    // The definition must carry everything a spin reads: rebuild the YAML from it and compare rounds.
    for (id, _) in SLOT_GAMES {
        let game = catalogue::slot(id).expect("shipped slot");
        let def = catalogue::slot_definition(game);
        let rebuilt = slots::parse_game(&yaml_of(id, &def)).expect("the definition parses back");
        assert_eq!(&rebuilt, game, "{id}: definition loses information");
    }
}

/// A YAML definition equivalent to the published JSON definition (JSON is YAML).
fn yaml_of(id: &str, def: &Value) -> String {
    let symbols = def["symbols"].as_array().expect("symbols");
    let mut pays = serde_json::Map::new();
    let mut scatter_pays = serde_json::Map::new();
    let mut syms = Vec::new();
    for s in symbols {
        let name = s["name"].as_str().expect("name");
        let mut o = json!({"name": name, "wild": s["wild"], "scatter": s["scatter"]});
        if s["wild"] == true {
            o["wild_multiplier"] = s["wild_multiplier"].clone();
        }
        syms.push(o);
        if s["pays"].as_array().expect("pays").iter().any(|p| p != 0) {
            pays.insert(name.into(), s["pays"].clone());
        }
        if !s["scatter_pays"]
            .as_array()
            .expect("scatter pays")
            .is_empty()
        {
            scatter_pays.insert(name.into(), s["scatter_pays"].clone());
        }
    }
    let mut reel_sets = serde_json::Map::new();
    for set in def["reel_sets"].as_array().expect("reel sets") {
        reel_sets.insert(
            set["name"].as_str().expect("name").into(),
            set["strips"].clone(),
        );
    }
    let game = catalogue::slot(id).expect("shipped slot");
    let mut y = json!({
        "name": game.name,
        "description": game.description,
        "reels": def["reels"],
        "rows": def["rows"],
        "symbols": syms,
        "pays": pays,
        "scatter_pays": scatter_pays,
        "reel_sets": reel_sets,
    });
    if def["layout"] == "ways" {
        y["ways"] = json!(true);
        y["cost"] = def["cost"].clone();
    } else {
        y["lines"] = def["paylines"].clone();
    }
    if let Some(fs) = def["free_spins"].as_object() {
        y["free_spins"] = json!({
            "trigger": {"symbol": fs["trigger"], "awards": fs["awards"]},
            "multiplier": fs["multiplier"],
            "retrigger": fs["retrigger"],
            "reels": fs["reel_set"],
        });
    }
    if let Some(m) = def["mystery"].as_object() {
        let becomes: serde_json::Map<String, Value> = m["becomes"]
            .as_array()
            .expect("becomes")
            .iter()
            .map(|b| {
                (
                    b["symbol"].as_str().expect("symbol").to_owned(),
                    b["weight"].clone(),
                )
            })
            .collect();
        y["mystery"] =
            json!({"symbol": m["symbol"], "min_count": m["min_count"], "becomes": becomes});
    }
    if !def["max_win"].is_null() {
        y["max_win"] = def["max_win"].clone();
    }
    y.to_string()
}
