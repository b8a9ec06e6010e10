//! The conformance suite on in-memory SQLite (always) and on a SQLite file (WAL, as in production).

use std::sync::Arc;

use store::{SqliteStore, Store};

async fn memory() -> Option<Arc<dyn Store>> {
    Some(Arc::new(
        SqliteStore::connect("sqlite::memory:")
            .await
            .expect("sqlite memory"),
    ))
}

store::store_conformance!("sqlite", memory());

mod file {
    use super::*;

    async fn file() -> Option<Arc<dyn Store>> {
        let dir = tempfile_dir();
        let url = format!("sqlite://{}/nested/playhouse.db", dir.display());
        Some(Arc::new(
            SqliteStore::connect(&url).await.expect("sqlite file"),
        ))
    }

    fn tempfile_dir() -> std::path::PathBuf {
        // Unique per test: the process id plus a counter; the directory is left for the OS to clean.
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "playhouse-store-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        p
    }

    store::store_conformance!("sqlite-file", file());
}
