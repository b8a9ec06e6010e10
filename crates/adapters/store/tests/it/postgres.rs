//! The conformance suite on PostgreSQL, each test in a private schema, when `TEST_DATABASE_URL` is set.

use std::sync::Arc;

use store::Store;

async fn postgres() -> Option<Arc<dyn Store>> {
    let url = std::env::var("TEST_DATABASE_URL").ok()?;
    Some(Arc::new(
        store::testing::fresh_postgres(&url)
            .await
            .expect("postgres schema"),
    ))
}

store::store_conformance!("postgres", postgres());
