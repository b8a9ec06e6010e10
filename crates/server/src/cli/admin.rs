//! `playhouse admin grant|revoke EMAIL`: admin rights come only from whoever runs the server,
//! written as the account's flag in the database (a running server sees it on the next request).

use super::{Cli, DbArgs, load_config, runtime};

/// `admin` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AdminCommand {
    /// Make an existing account an administrator.
    Grant(AdminArgs),
    /// Take an account's administrator rights away.
    Revoke(AdminArgs),
}

/// `admin grant|revoke` arguments.
#[derive(Debug, clap::Args)]
pub struct AdminArgs {
    /// The account's email (any letter case).
    pub email: String,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Sets the flag and prints `{"ok": true, "user_id", "email", "is_admin"}`.
pub fn run(cli: &Cli, action: &AdminCommand) -> Result<(), String> {
    let (args, is_admin) = match action {
        AdminCommand::Grant(a) => (a, true),
        AdminCommand::Revoke(a) => (a, false),
    };
    let config = load_config(cli, None, args.db.database_url.as_ref())?;
    let email = accounts::credentials::normalize_email(&args.email)
        .map_err(|_| format!("'{}' is not an email address", args.email))?;
    runtime()?.block_on(async {
        let store = store::connect(&config.database_url)
            .await
            .map_err(|e| e.to_string())?;
        let user = store
            .set_admin(&email, is_admin, api::clock::now_ms())
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    format!("no account has the email {email}")
                } else {
                    e.to_string()
                }
            })?;
        println!(
            "{}",
            serde_json::json!({"ok": true, "user_id": user.id.to_string(), "email": email, "is_admin": user.is_admin})
        );
        Ok(())
    })
}
