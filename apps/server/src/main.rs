//! `onramp-server`: serves Onramp on `ONRAMP_BIND` (127.0.0.1:8080) with the settings of
//! [`onramp_server::settings`].

use onramp_server::settings::Settings;
use onramp_server::telemetry::{get_subscriber, init_subscriber};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Fail points from FAILPOINTS, in builds with the `failpoints` feature (crash tests).
    let _fail_points = fail::FailScenario::setup();
    let settings = Settings::load()?;
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
