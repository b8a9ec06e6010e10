//! The committed TypeScript declarations must equal what the Rust types generate now.

use protocol::ts::{TS_OUTPUT_PATH, typescript};
use std::path::PathBuf;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../..")
        .join(TS_OUTPUT_PATH)
}

#[test]
fn typescript_declarations_are_current() {
    let generated = typescript();
    let path = committed_path();
    if std::env::var_os("UPDATE_TS").is_some() {
        let dir = path.parent().expect("the output path has a folder");
        std::fs::create_dir_all(dir).expect("create web/src/protocol");
        std::fs::write(&path, &generated).expect("write index.ts");
        return;
    }
    // Regenerating into a temporary directory and comparing there keeps the work tree untouched.
    let tmp = std::env::temp_dir().join(format!("protocol-ts-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("create temp dir");
    let fresh = tmp.join("index.ts");
    std::fs::write(&fresh, &generated).expect("write temp index.ts");
    let fresh_text = std::fs::read_to_string(&fresh).expect("read temp index.ts");
    let _ = std::fs::remove_dir_all(&tmp);
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh_text,
        "{} is stale; regenerate it with: UPDATE_TS=1 cargo test -p protocol",
        path.display()
    );
}
