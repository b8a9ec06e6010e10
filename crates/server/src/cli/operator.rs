//! `playhouse mock-operator` (a reference seamless wallet with fault injection) and
//! `playhouse rgs reconcile` (our round log against an operator's report).

use super::Cli;
use ::operator::mock::{self, MockConfig, MockTls};

/// `mock-operator` flags.
#[derive(Debug, clap::Args)]
pub struct MockOperatorArgs {
    /// Address to listen on, e.g. 127.0.0.1:9100.
    #[arg(long)]
    pub listen: String,
    /// The HMAC secret shared with the platform (the operator's secret there).
    #[arg(long)]
    pub secret: String,
    /// Share of calls that time out (answered after --timeout-ms, applied before or after).
    #[arg(long, default_value_t = 0.0)]
    pub timeout_rate: f64,
    /// Share of calls answered 500 (half before applying, half after).
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Share of calls processed twice (the second time through the idempotency path).
    #[arg(long, default_value_t = 0.0)]
    pub duplicate_rate: f64,
    /// Seed of the fault-injection RNG.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Balance of a new player per currency, in minor units.
    #[arg(long, default_value_t = 1_000_000)]
    pub initial_balance: u64,
    /// How long a timed-out call holds its answer, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Serve HTTPS with this PEM certificate chain (leaf first); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<std::path::PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<std::path::PathBuf>,
}

/// `rgs` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RgsCommand {
    /// Compare the seamless-wallet round log of one operator with its report; prints
    /// `{"ok", "differences": [...]}` and exits non-zero when there are differences.
    Reconcile(ReconcileArgs),
}

/// `rgs reconcile` flags.
#[derive(Debug, clap::Args)]
pub struct ReconcileArgs {
    /// Database URL [default: from config].
    #[arg(long)]
    pub database_url: Option<String>,
    /// The operator whose log is compared.
    #[arg(long)]
    pub operator_id: String,
    /// The operator's report: an http(s):// URL (e.g. the mock's /report) or a JSON file.
    #[arg(long)]
    pub report: String,
}

fn rate(name: &str, r: f64) -> Result<f64, String> {
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("--{name} must be between 0 and 1"))
    }
}

/// Runs `playhouse mock-operator` until Ctrl-C.
pub fn run_mock(args: &MockOperatorArgs) -> Result<(), String> {
    let timeout_rate = rate("timeout-rate", args.timeout_rate)?;
    let error_rate = rate("error-rate", args.error_rate)?;
    let duplicate_rate = rate("duplicate-rate", args.duplicate_rate)?;
    if timeout_rate + error_rate + duplicate_rate > 1.0 {
        return Err("the fault rates must add up to at most 1".into());
    }
    if args.secret.is_empty() {
        return Err("--secret must not be empty".into());
    }
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            let read = |p: &std::path::Path| {
                std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))
            };
            Some(MockTls {
                cert_chain_pem: read(cert)?,
                key_pem: read(key)?,
            })
        }
        _ => None,
    };
    let config = MockConfig {
        secret: args.secret.clone(),
        timeout_rate,
        error_rate,
        duplicate_rate,
        seed: args.seed,
        initial_balance: args.initial_balance,
        timeout_ms: args.timeout_ms,
        tls,
        ..MockConfig::default()
    };
    super::runtime()?.block_on(async {
        let m = mock::start(&args.listen, config)
            .await
            .map_err(|e| format!("cannot start on {}: {e}", args.listen))?;
        println!("{}", serde_json::json!({"listening": m.url()}));
        tokio::select! {
            () = crate::os_shutdown_signal() => {}
            () = m.wait() => {}
        }
        Ok(())
    })
}

/// Runs an `rgs` subcommand.
pub fn run_rgs(cli: &Cli, action: &RgsCommand) -> Result<(), String> {
    match action {
        RgsCommand::Reconcile(args) => {
            let config = super::load_config(cli, None, args.database_url.as_ref())?;
            let out = super::runtime()?.block_on(async {
                let report = read_report(&config.operator, &args.report).await?;
                let store = store::connect(&config.database_url)
                    .await
                    .map_err(|e| e.to_string())?;
                ::operator::reconcile::reconcile(store.as_ref(), &args.operator_id, &report)
                    .await
                    .map_err(|e| e.to_string())
            })?;
            super::print_tool(super::ToolOutput {
                ok: out["ok"] == true,
                stdout: out.to_string(),
            })
        }
    }
}

/// Reads the report from a file or a URL; HTTPS trusts `operator.wallet_ca_file` too.
async fn read_report(
    config: &::operator::OperatorConfig,
    source: &str,
) -> Result<serde_json::Value, String> {
    let text = if source.starts_with("http://") || source.starts_with("https://") {
        let client = ::operator::operator_client_builder(config)?
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        client
            .get(source)
            .send()
            .await
            .map_err(|e| format!("cannot fetch {source}: {e}"))?
            .text()
            .await
            .map_err(|e| format!("cannot read {source}: {e}"))?
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))?
    };
    serde_json::from_str(&text).map_err(|e| format!("the report is not JSON: {e}"))
}
