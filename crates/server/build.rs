//! Builds the web client (`web/`, Vite) when its sources are newer than `web/dist`, and generates
//! the table of embedded files that `http::web` serves, so `cargo run -- serve` serves the client
//! with no extra step. Without npm (or with `PLAYHOUSE_SKIP_WEB_BUILD` set) the build still succeeds:
//! whatever `web/dist` holds is embedded, and with nothing there the server explains how to build it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a build script: a failure stops the build with its message"
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;
use std::{env, fs};

/// Inputs of the client build, relative to `web/`.
const WEB_INPUTS: &[&str] = &[
    "src",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "tsconfig.json",
];

/// Most files embedded (a guard against embedding a wrong directory).
const EMBEDDED_FILES_MAX: usize = 2000;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = manifest.join("../../web");
    let dist = web.join("dist");
    println!("cargo:rerun-if-env-changed=PLAYHOUSE_SKIP_WEB_BUILD");
    println!("cargo:rerun-if-changed=build.rs");
    for input in WEB_INPUTS {
        println!("cargo:rerun-if-changed={}", web.join(input).display());
    }
    println!("cargo:rerun-if-changed={}", dist.display());

    if web.join("package.json").exists() && env::var_os("PLAYHOUSE_SKIP_WEB_BUILD").is_none() {
        build_client(&web, &dist);
    }

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs");
    fs::write(&out, assets_table(&dist)).expect("write web_assets.rs");
}

/// Runs `npm ci` (when node_modules is missing or older than the lock file) and `npm run build`
/// when `web/dist` is missing or older than the sources. Failures are warnings, never errors.
fn build_client(web: &Path, dist: &Path) {
    let built = mtime(&dist.join("index.html"));
    let newest_input = WEB_INPUTS
        .iter()
        .filter_map(|i| newest_mtime(&web.join(i)))
        .max();
    let stale = match (built, newest_input) {
        (None, _) => true,
        (Some(b), Some(i)) => i > b,
        (Some(_), None) => false,
    };
    if !stale {
        return;
    }
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    if Command::new(npm).arg("--version").output().is_err() {
        println!(
            "cargo:warning=npm was not found: the web client is not built (install Node.js and run `npm ci && npm run build` in web/)"
        );
        return;
    }
    let installed = mtime(&web.join("node_modules/.package-lock.json"));
    let lock = mtime(&web.join("package-lock.json"));
    let need_ci = match (installed, lock) {
        (None, _) => true,
        (Some(i), Some(l)) => l > i,
        (Some(_), None) => false,
    };
    if need_ci && !run(npm, &["ci", "--no-audit", "--no-fund"], web) {
        return;
    }
    run(npm, &["run", "build"], web);
}

fn run(program: &str, args: &[&str], dir: &Path) -> bool {
    match Command::new(program).args(args).current_dir(dir).output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let out = String::from_utf8_lossy(&o.stdout);
            println!(
                "cargo:warning=`{program} {}` failed in web/: {}",
                args.join(" "),
                last_line(&err).or(last_line(&out)).unwrap_or("no output")
            );
            false
        }
        Err(e) => {
            println!("cargo:warning=cannot run `{program}`: {e}");
            false
        }
    }
}

fn last_line(s: &str) -> Option<&str> {
    s.lines().rev().find(|l| !l.trim().is_empty())
}

fn mtime(p: &Path) -> Option<SystemTime> {
    fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// Newest modification time of a file or of any file under a directory.
fn newest_mtime(p: &Path) -> Option<SystemTime> {
    let meta = fs::metadata(p).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    fs::read_dir(p)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| newest_mtime(&e.path()))
        .max()
}

/// `pub(crate) static WEB_FILES: &[(path, content type, bytes)]`, sorted by path.
fn assets_table(dist: &Path) -> String {
    let mut files = Vec::new();
    if dist.join("index.html").is_file() {
        collect(dist, dist, &mut files);
    }
    files.sort();
    assert!(
        files.len() <= EMBEDDED_FILES_MAX,
        "web/dist holds {} files (limit {EMBEDDED_FILES_MAX})",
        files.len()
    );
    let mut s = String::from(
        "/// Files of `web/dist`: (path without the leading `/`, content type, bytes).\n",
    );
    s.push_str("pub(crate) static WEB_FILES: &[(&str, &str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        let _ = writeln!(
            s,
            "    ({rel:?}, {:?}, include_bytes!({:?})),",
            content_type(rel),
            abs.display().to_string()
        );
    }
    s.push_str("];\n");
    s
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let path = e.path();
        if path.is_dir() {
            collect(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let abs = fs::canonicalize(&path).unwrap_or(path);
            out.push((rel, abs));
        }
    }
}

fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("");
    match ext {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" => "text/plain; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}
