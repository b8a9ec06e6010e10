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
            "fair",
            "guandan",
            "ledger",
            "protocol",
            "rating",
            "resultcard",
            "slots"
        ]
    );
    assert_eq!(crates_in(&all, "adapters"), ["store"]);
    assert_eq!(
        crates_in(&all, "services"),
        ["accounts", "api", "games", "operator", "tables", "wallet"]
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
