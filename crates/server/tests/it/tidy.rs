//! The layout's rules, checked on the crates' manifests (as rust-analyzer's tidy tests do): pure
//! crates do no I/O, services reach each other only along the ports ARCHITECTURE.md lists, nothing
//! depends on the server, and the server stays a composition root.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Crates that do I/O or run an async runtime: never a dependency of a pure crate.
const IO_CRATES: &[&str] = &[
    "tokio",
    "axum",
    "hyper",
    "tower",
    "tower-http",
    "sqlx",
    "rusqlite",
    "libsqlite3-sys",
    "reqwest",
    "tokio-tungstenite",
    "redis",
    "async-nats",
    "tokio-rustls",
    "getrandom",
    "tracing",
];

/// The service → service edges (each along a port the provider declares), as ARCHITECTURE.md
/// draws them.
const SERVICE_EDGES: &[(&str, &str)] = &[
    ("accounts", "wallet"),
    ("games", "wallet"),
    ("operator", "wallet"),
    ("tables", "games"),
    ("contests", "wallet"),
];

/// Most lines in `crates/server/src`: it composes the services and holds none of their logic.
const SERVER_SRC_LINES_MAX: usize = 3_000;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `layer/name` → the names of its normal (non-dev) dependencies.
fn manifests() -> BTreeMap<(String, String), Vec<String>> {
    let mut out = BTreeMap::new();
    for layer in ["rules", "adapters", "services", "tools"] {
        let dir = crates_dir().join(layer);
        for entry in std::fs::read_dir(&dir).expect("layer folder") {
            let path = entry.expect("entry").path();
            let manifest = path.join("Cargo.toml");
            if !manifest.is_file() {
                continue;
            }
            let text = std::fs::read_to_string(&manifest).expect("read manifest");
            let doc: toml::Table = text.parse().expect("manifest is TOML");
            let name = doc["package"]["name"].as_str().expect("name").to_owned();
            let folder = path.file_name().expect("folder").to_string_lossy();
            assert_eq!(
                name,
                folder,
                "folder name = crate name ({})",
                path.display()
            );
            let deps = doc
                .get("dependencies")
                .and_then(toml::Value::as_table)
                .map(|t| t.keys().cloned().collect())
                .unwrap_or_default();
            out.insert((layer.to_owned(), name), deps);
        }
    }
    out
}

fn crates_in(all: &BTreeMap<(String, String), Vec<String>>, layer: &str) -> Vec<String> {
    all.keys()
        .filter(|(l, _)| l == layer)
        .map(|(_, n)| n.clone())
        .collect()
}

#[test]
fn the_layers_hold_the_expected_crates() {
    let all = manifests();
    assert_eq!(
        crates_in(&all, "rules"),
        [
            "casino",
            "compete",
            "fair",
            "guandan",
            "ledger",
            "protocol",
            "rating",
            "resultcard",
            "slots"
        ]
    );
    assert_eq!(crates_in(&all, "adapters"), ["bus", "kv", "store"]);
    assert_eq!(
        crates_in(&all, "services"),
        [
            "accounts", "api", "contests", "events", "games", "operator", "tables", "wallet"
        ]
    );
    assert_eq!(crates_in(&all, "tools"), ["loadtest"]);
}

#[test]
fn pure_crates_do_no_io_and_depend_only_on_pure_crates() {
    let all = manifests();
    let rules = crates_in(&all, "rules");
    let internal: Vec<String> = all.keys().map(|(_, n)| n.clone()).collect();
    for ((layer, name), deps) in &all {
        if layer != "rules" {
            continue;
        }
        for dep in deps {
            assert!(
                !IO_CRATES.contains(&dep.as_str()),
                "pure crate {name} depends on {dep}"
            );
            assert!(
                !internal.contains(dep) || rules.contains(dep),
                "pure crate {name} depends on the non-pure crate {dep}"
            );
            assert_ne!(dep, "server", "{name} depends on the server");
        }
    }
}

#[test]
fn services_reach_each_other_only_along_the_listed_ports() {
    let all = manifests();
    let services = crates_in(&all, "services");
    for ((layer, name), deps) in &all {
        for dep in deps {
            assert_ne!(dep, "server", "{layer}/{name} depends on the server");
            assert_ne!(dep, "loadtest", "{layer}/{name} depends on a tool");
            if layer == "adapters" {
                assert!(!services.contains(dep), "adapter {name} depends on {dep}");
            }
            if layer == "services" && name != "api" && services.contains(dep) && dep != "api" {
                assert!(
                    SERVICE_EDGES.contains(&(name.as_str(), dep.as_str())),
                    "service {name} depends on service {dep}: add a port, or list the edge here \
                     and in ARCHITECTURE.md"
                );
            }
            if name == "api" {
                assert!(!services.contains(dep), "api depends on the service {dep}");
            }
        }
    }
    for (from, to) in SERVICE_EDGES {
        assert!(
            all[&("services".to_owned(), (*from).to_owned())].contains(&(*to).to_owned()),
            "the listed edge {from} → {to} no longer exists: remove it here and in ARCHITECTURE.md"
        );
    }
}

#[test]
fn architecture_md_names_every_service_edge() {
    let doc = std::fs::read_to_string(crates_dir().join("../ARCHITECTURE.md")).expect("read");
    for (from, to) in SERVICE_EDGES {
        assert!(
            doc.contains(&format!("{from} → {to}")),
            "ARCHITECTURE.md does not draw {from} → {to}"
        );
    }
}

fn rust_lines(dir: &Path) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            n += rust_lines(&path);
        } else if path.extension().is_some_and(|e| e == "rs") {
            n += std::fs::read_to_string(&path)
                .expect("read")
                .lines()
                .count();
        }
    }
    n
}

#[test]
fn the_server_stays_a_composition_root() {
    let lines = rust_lines(&crates_dir().join("server/src"));
    assert!(
        lines <= SERVER_SRC_LINES_MAX,
        "crates/server/src has {lines} lines (at most {SERVER_SRC_LINES_MAX}): service logic \
         belongs in a service crate"
    );
}

/// Every crate's manifest, the server's included: (folder, parsed manifest).
fn all_manifests() -> Vec<(PathBuf, toml::Table)> {
    let mut out = Vec::new();
    let mut folders = vec![crates_dir().join("server")];
    for layer in ["rules", "adapters", "services", "tools"] {
        for entry in std::fs::read_dir(crates_dir().join(layer)).expect("layer folder") {
            folders.push(entry.expect("entry").path());
        }
    }
    for path in folders {
        let manifest = path.join("Cargo.toml");
        if manifest.is_file() {
            let text = std::fs::read_to_string(&manifest).expect("read manifest");
            out.push((path, text.parse().expect("manifest is TOML")));
        }
    }
    out
}

/// The Rust files under `dir`, recursively, with their text.
fn rust_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push((path, text));
            }
        }
    }
    out
}

/// Every crate inherits the workspace's lints (`unwrap_used`, `expect_used`, `unsafe_code`, …)
/// instead of keeping a copy that drifts.
#[test]
fn every_crate_inherits_the_workspace_lints() {
    for (path, doc) in all_manifests() {
        let inherits = doc
            .get("lints")
            .and_then(|l| l.get("workspace"))
            .and_then(toml::Value::as_bool);
        assert_eq!(
            inherits,
            Some(true),
            "{} must say `[lints] workspace = true`",
            path.display()
        );
    }
}

/// `unsafe` appears in one audited place only: the SQLite busy handler of `store::sqlite`.
#[test]
fn unsafe_code_stays_in_its_one_audited_place() {
    let allowed = crates_dir().join("adapters/store/src/sqlite.rs");
    for (path, _) in all_manifests() {
        for (file, text) in rust_files(&path.join("src")) {
            let uses = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .filter(|l| {
                    l.contains("unsafe {") || l.contains("unsafe fn") || l.contains("unsafe impl")
                })
                .count();
            if file == allowed {
                assert_eq!(
                    uses,
                    1,
                    "the one audited unsafe block in {}",
                    file.display()
                );
            } else {
                assert_eq!(uses, 0, "unsafe code in {}", file.display());
            }
        }
    }
}

/// The services read the wall clock and `std` instants only in `api::clock` (clippy's
/// `disallowed_methods` enforces the same; this test also keeps the allowance from spreading): no
/// other source file of a service, adapter or the server may allow `disallowed_methods`, except
/// the store's scratch schemas, named after the wall clock. `tokio::time::Instant::now` (timers of
/// the tables service) is tokio's clock, which tests can pause.
#[test]
fn the_clock_is_read_in_one_module() {
    let allowed = [
        crates_dir().join("services/api/src/clock.rs"),
        crates_dir().join("adapters/store/src/lib.rs"),
    ];
    for (path, _) in all_manifests() {
        for (file, text) in rust_files(&path.join("src")) {
            let reads =
                text.contains("SystemTime::now") || text.contains("std::time::Instant::now");
            let allows = text.contains("clippy::disallowed_methods");
            if allowed.contains(&file) {
                continue;
            }
            assert!(
                !(reads || allows),
                "{} reads the clock outside api::clock",
                file.display()
            );
        }
    }
}

/// Service code reads the time of day from its node's [`api::clock::Clock`] (`auth.clock`), which a
/// test can move: the free functions `clock::now_ms` and `clock::now_secs` (the system clock
/// itself) stay in the few places no test moves (ids, the mock operator, the seed fallback).
#[test]
fn services_read_the_time_of_day_from_their_node_clock() {
    let allowed = [
        "api/src/clock.rs",
        "api/src/ids.rs",
        "operator/src/mock.rs",
        "tables/src/table.rs",
        "wallet/src/pipeline.rs",
    ];
    let mut seen = 0;
    for (file, text) in rust_files(&crates_dir().join("services")) {
        // Unit tests below `#[cfg(test)]` may read the system clock.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        let calls = ["clock::now_ms()", "clock::now_secs()"]
            .iter()
            .map(|c| text.matches(c).count())
            .sum::<usize>();
        let rel = file
            .strip_prefix(crates_dir().join("services"))
            .expect("under services")
            .to_string_lossy()
            .replace('\\', "/");
        if allowed.contains(&rel.as_str()) {
            seen += calls;
            continue;
        }
        assert_eq!(
            calls, 0,
            "{rel} reads the system clock instead of its node's (`auth.clock`)"
        );
    }
    assert!(seen > 0, "the allowed places were not found");
    let table = std::fs::read_to_string(crates_dir().join("services/tables/src/table.rs"))
        .expect("table.rs");
    assert_eq!(
        table.matches("api::clock::now_ms()").count(),
        1,
        "table.rs reads the system clock only in the seed fallback"
    );
}

/// Test-only code (the store's conformance suite and `testing` helpers, the ledger's suite) is
/// compiled only with the `testing` feature, which only dev-dependencies enable.
#[test]
fn test_only_code_stays_out_of_the_server() {
    for (path, doc) in all_manifests() {
        let enables = |table: &str| {
            doc.get(table)
                .and_then(toml::Value::as_table)
                .into_iter()
                .flat_map(|t| t.iter())
                .filter(|(name, _)| *name == "store" || *name == "ledger")
                .any(|(_, spec)| {
                    spec.get("features")
                        .and_then(toml::Value::as_array)
                        .is_some_and(|f| f.iter().any(|v| v.as_str() == Some("testing")))
                })
        };
        assert!(
            !enables("dependencies"),
            "{} enables `testing` in a normal dependency",
            path.display()
        );
    }
    for (file, feature) in [
        ("adapters/store/src/lib.rs", "pub mod conformance;"),
        ("adapters/store/src/lib.rs", "pub mod testing {"),
        ("rules/ledger/src/lib.rs", "pub mod conformance;"),
    ] {
        let text = std::fs::read_to_string(crates_dir().join(file)).expect("read");
        let gated = format!("#[cfg(any(test, feature = \"testing\"))]\n{feature}");
        assert!(
            text.contains(&gated),
            "{file}: `{feature}` must be behind the testing feature"
        );
    }
}

/// Every configuration key the docs name (`` `section.key` `` for a section of the configuration
/// file) exists in the configuration, so a renamed or removed setting cannot linger in the docs.
#[test]
fn every_configuration_key_the_docs_name_exists() {
    let config = serde_json::to_value(server::config::Config::default()).expect("config as JSON");
    let sections: Vec<String> = config
        .as_object()
        .expect("a table")
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, _)| k.clone())
        .collect();
    let mut docs = vec![crates_dir().join("../ARCHITECTURE.md")];
    for entry in std::fs::read_dir(crates_dir().join("../docs")).expect("docs") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    let mut checked = 0;
    for doc in docs {
        let text = std::fs::read_to_string(&doc).expect("read doc");
        for quoted in text.split('`').skip(1).step_by(2) {
            let Some((section, key)) = quoted.split_once('.') else {
                continue;
            };
            if !sections.iter().any(|s| s == section)
                || key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
            {
                continue;
            }
            let mut at = &config[section];
            for part in key.split('.') {
                at = &at[part];
            }
            assert!(
                !at.is_null()
                    || config[section]
                        .as_object()
                        .is_some_and(|o| o.contains_key(key)),
                "{} names `{quoted}`, which the configuration does not have",
                doc.display()
            );
            checked += 1;
        }
    }
    assert!(
        checked > 20,
        "only {checked} configuration keys found in the docs"
    );
}
