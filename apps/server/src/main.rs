//! `onramp-server`: serves Onramp on `ONRAMP_BIND` (127.0.0.1:8080) with the settings of
//! [`onramp_server::settings`]; `--role web|worker|all` splits the HTTP API from the workers.

use clap::Parser;
use onramp_server::settings::{Role, Settings};

/// Onramp's server.
#[derive(Debug, Parser)]
#[command(name = "onramp-server", version, about)]
struct Cli {
    /// What this process runs: the HTTP API (`web`), the outbox and timer workers with health
    /// endpoints only (`worker`), or both (`all`). Overrides `ONRAMP_ROLE`.
    #[arg(long, value_enum)]
    role: Option<Role>,
}
use onramp_server::telemetry::{get_subscriber, init_subscriber};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Fail points from FAILPOINTS, in builds with the `failpoints` feature (crash tests).
    let _fail_points = fail::FailScenario::setup();
    let cli = Cli::parse();
    let mut settings = Settings::load()?;
    if let Some(role) = cli.role {
        settings.role = role;
    }
    init_subscriber(get_subscriber(settings.log_format, std::io::stdout));
    onramp_server::Application::build(settings)
        .await?
        .run_until_stopped()
        .await
        .map_err(|e| {
            tracing::error!(error = format!("{e:#}"), "server stopped");
            e
        })
}
