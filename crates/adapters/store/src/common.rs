//! The SQL both backends share, written once: one statement text serves SQLite and PostgreSQL
//! (`$n` placeholders, `RETURNING`, `ON CONFLICT` exist in both), so the backends cannot drift apart.

/// Row shape of `users`, decoded the same way by both drivers.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    pub id: i64,
    pub email: Option<String>,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub is_guest: bool,
    pub is_admin: bool,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

impl From<UserRow> for crate::UserRecord {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            email: r.email,
            password_hash: r.password_hash,
            display_name: r.display_name,
            is_guest: r.is_guest,
            is_admin: r.is_admin,
            created_at_ms: r.created_at_ms,
            updated_at_ms: r.updated_at_ms,
        }
    }
}

/// Row shape of `refresh_tokens`.
#[derive(sqlx::FromRow)]
pub(crate) struct TokenRow {
    pub token_hash: String,
    pub family_id: String,
    pub user_id: i64,
    pub issued_at_ms: i64,
    pub expires_at_ms: i64,
    pub used_at_ms: Option<i64>,
    pub revoked_at_ms: Option<i64>,
}

impl From<TokenRow> for crate::RefreshTokenRecord {
    fn from(r: TokenRow) -> Self {
        Self {
            token_hash: r.token_hash,
            family_id: r.family_id,
            user_id: r.user_id,
            issued_at_ms: r.issued_at_ms,
            expires_at_ms: r.expires_at_ms,
            used_at_ms: r.used_at_ms,
            revoked_at_ms: r.revoked_at_ms,
        }
    }
}

pub(crate) const USER_COLUMNS: &str =
    "id, email, password_hash, display_name, is_guest, is_admin, created_at_ms, updated_at_ms";

/// Implements the account traits for a store type with a `pool` field of the given sqlx pool.
macro_rules! impl_account_traits {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::UserStore for $store {
            async fn create_user(&self, u: &$crate::NewUser) -> $crate::StoreResult<$crate::UserRecord> {
                let sql = format!(
                    "INSERT INTO users (id, email, password_hash, display_name, is_guest, is_admin, \
                     created_at_ms, updated_at_ms) VALUES ($1, $2, $3, $4, $5, FALSE, $6, $6) \
                     RETURNING {}",
                    $crate::common::USER_COLUMNS
                );
                let row: $crate::common::UserRow = sqlx::query_as(&sql)
                    .bind(u.id)
                    .bind(&u.email)
                    .bind(&u.password_hash)
                    .bind(&u.display_name)
                    .bind(u.is_guest)
                    .bind(u.now_ms)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.into())
            }

            async fn user_by_id(&self, id: i64) -> $crate::StoreResult<$crate::UserRecord> {
                let sql = format!("SELECT {} FROM users WHERE id = $1", $crate::common::USER_COLUMNS);
                let row: Option<$crate::common::UserRow> =
                    sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("user"))
            }

            async fn user_by_email(&self, email: &str) -> $crate::StoreResult<$crate::UserRecord> {
                let sql =
                    format!("SELECT {} FROM users WHERE email = $1", $crate::common::USER_COLUMNS);
                let row: Option<$crate::common::UserRow> =
                    sqlx::query_as(&sql).bind(email).fetch_optional(&self.pool).await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("user"))
            }

            async fn set_display_name(
                &self,
                id: i64,
                display_name: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<$crate::UserRecord> {
                let sql = format!(
                    "UPDATE users SET display_name = $1, updated_at_ms = $2 WHERE id = $3 RETURNING {}",
                    $crate::common::USER_COLUMNS
                );
                let row: Option<$crate::common::UserRow> = sqlx::query_as(&sql)
                    .bind(display_name)
                    .bind(now_ms)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("user"))
            }

            async fn set_admin(
                &self,
                email: &str,
                is_admin: bool,
                now_ms: i64,
            ) -> $crate::StoreResult<$crate::UserRecord> {
                let sql = format!(
                    "UPDATE users SET is_admin = $1, updated_at_ms = $2 WHERE email = $3 RETURNING {}",
                    $crate::common::USER_COLUMNS
                );
                let row: Option<$crate::common::UserRow> = sqlx::query_as(&sql)
                    .bind(is_admin)
                    .bind(now_ms)
                    .bind(email)
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("user"))
            }
        }

        #[async_trait::async_trait]
        impl $crate::TokenStore for $store {
            async fn insert_refresh_token(
                &self,
                t: &$crate::NewRefreshToken,
            ) -> $crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO refresh_tokens (token_hash, family_id, user_id, issued_at_ms, \
                     expires_at_ms) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&t.token_hash)
                .bind(&t.family_id)
                .bind(t.user_id)
                .bind(t.issued_at_ms)
                .bind(t.expires_at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn refresh_token_by_hash(
                &self,
                token_hash: &str,
            ) -> $crate::StoreResult<$crate::RefreshTokenRecord> {
                let row: Option<$crate::common::TokenRow> = sqlx::query_as(
                    "SELECT token_hash, family_id, user_id, issued_at_ms, expires_at_ms, used_at_ms, \
                     revoked_at_ms FROM refresh_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(Into::into).ok_or_else(|| $crate::StoreError::not_found("refresh token"))
            }

            async fn mark_refresh_token_used(
                &self,
                token_hash: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE refresh_tokens SET used_at_ms = $1 WHERE token_hash = $2 \
                     AND used_at_ms IS NULL AND revoked_at_ms IS NULL",
                )
                .bind(now_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn revoke_token_family(
                &self,
                family_id: &str,
                now_ms: i64,
            ) -> $crate::StoreResult<u64> {
                let done = sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at_ms = $1 WHERE family_id = $2 \
                     AND revoked_at_ms IS NULL",
                )
                .bind(now_ms)
                .bind(family_id)
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected())
            }

            async fn families_revoked_since(
                &self,
                since_ms: i64,
            ) -> $crate::StoreResult<Vec<String>> {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT DISTINCT family_id FROM refresh_tokens WHERE revoked_at_ms >= $1 \
                     ORDER BY family_id",
                )
                .bind(since_ms)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows.into_iter().map(|(f,)| f).collect())
            }
        }

        #[async_trait::async_trait]
        impl $crate::SettingsStore for $store {
            async fn get_or_insert_setting(
                &self,
                key: &str,
                value: &str,
            ) -> $crate::StoreResult<String> {
                sqlx::query("INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
                    .bind(key)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                let (v,): (String,) = sqlx::query_as("SELECT value FROM settings WHERE key = $1")
                    .bind(key)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(v)
            }
        }
    };
}

/// Implements `Store` for a backend: the same statements, its own migration folder, name and
/// ledger variant.
macro_rules! impl_store {
    ($store:ty, $migrations:literal, $name:literal, $ledger:ident) => {
        #[async_trait::async_trait]
        impl $crate::Store for $store {
            async fn ping(&self) -> $crate::StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn migrate(&self) -> $crate::StoreResult<()> {
                sqlx::migrate!($migrations).run(&self.pool).await?;
                Ok(())
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            fn backend_name(&self) -> &'static str {
                $name
            }

            fn ledger(&self) -> $crate::ledger::LedgerDb {
                $crate::ledger::LedgerDb::$ledger(self.ledger())
            }

            fn operators(&self) -> &dyn $crate::OperatorStore {
                self
            }

            fn ratings(&self) -> &dyn $crate::ratings::RatingStore {
                self
            }

            fn events(&self) -> &dyn $crate::events::EventStore {
                self
            }

            fn compete(&self) -> &dyn $crate::compete::CompeteStore {
                self
            }
        }
    };
}

pub(crate) use {impl_account_traits, impl_store};

/// How a backend spells the bind parameters of the multi-row statements built at run time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Params {
    /// `$1, $2, …` (PostgreSQL).
    Numbered,
    /// `?, ?, …` (SQLite). SQLite also reads `$n`, but sqlx then looks every parameter's name up
    /// with `sqlite3_bind_parameter_name`, a linear scan, so binding a statement of n numbered
    /// parameters costs O(n²): a 256-row bet insert (4,864 parameters) spent more time binding
    /// than inserting. Anonymous parameters bind in order at O(1) each.
    Anonymous,
}

/// `(p, p, p), (p, p, p)` for `rows` rows of `cols` columns, numbered from 1 in row order.
pub(crate) fn placeholders(style: Params, rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match style {
                Params::Numbered => {
                    s.push('$');
                    s.push_str(&(r * cols + c + 1).to_string());
                }
                Params::Anonymous => s.push('?'),
            }
        }
        s.push(')');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{Params, placeholders};

    #[test]
    fn placeholders_number_rows_and_columns() {
        assert_eq!(placeholders(Params::Numbered, 1, 2), "($1, $2)");
        assert_eq!(placeholders(Params::Numbered, 2, 2), "($1, $2), ($3, $4)");
        assert_eq!(placeholders(Params::Anonymous, 2, 2), "(?, ?), (?, ?)");
    }
}
