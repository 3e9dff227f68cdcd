//! `onramp`: the Onramp command line. Walks demo journeys, creates tenants, validates flow
//! templates and benchmarks a running server, all over the public HTTP API.
//!
//! # Layout
//! - `main.rs`: the clap commands and dispatch.
//! - `client.rs` and `wire.rs`: a small typed HTTP client, one method per endpoint.
//! - `journey.rs`: one scripted journey, shared by `demo` and `bench`; `answers.rs` builds each
//!   step's answers from the flow definition.
//! - `demo.rs`, `bench.rs`, `tenant.rs`, `validate.rs`: the commands; `stats.rs`: percentiles.
//!   `bench/journeys.rs` and `bench/webhooks.rs`: the timed loads of `bench/run.sh`.
//!   `demo/whatsapp.rs` and `demo/chat.rs`: `demo --channel whatsapp`, a chat that moves to
//!   the web; `demo/fallback.rs`: the voice-to-SMS fallback of the web demo.
//! - `webhook.rs`: `webhook verify` and `webhook send`, over the provider adapters' signatures;
//!   `webhook/listen.rs`: `webhook listen`, the tenant's events live.

mod answers;
mod bench;
mod client;
mod demo;
mod journey;
mod sandbox;
mod stats;
mod tenant;
mod validate;
mod webhook;
mod wire;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};

use crate::answers::OptionalSteps;
use crate::client::Client;

#[derive(Debug, Parser)]
#[command(
    name = "onramp",
    version,
    about = "Onramp onboarding orchestration: demo journeys, tenants, flow validation, load benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tenant administration (admin token).
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Walk one whole journey over HTTP, printing each step and the progress; with
    /// `--channel whatsapp`, chat through it on the sandbox's WhatsApp, then finish on the web.
    Demo(DemoCli),
    /// Run N whole journeys with C concurrent workers and report latencies; or, with
    /// `journeys` or `webhooks`, load the server for a number of seconds and print a `RESULT`
    /// line.
    Bench(BenchCli),
    /// Flow templates.
    #[command(subcommand)]
    Flow(FlowCommand),
    /// Webhooks: check a provider's signature offline, send a signed event to a server, or
    /// listen to the tenant's events live (and forward them, signed).
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant and print its API key (shown once).
    Create {
        /// Display name, 1 to 100 characters.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        server: ServerArg,
        /// The server's admin token.
        #[arg(long, env = "ONRAMP_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: String,
    },
}

#[derive(Debug, Subcommand)]
enum FlowCommand {
    /// List the server's flow templates.
    List {
        #[command(flatten)]
        auth: TenantAuth,
    },
    /// Load each TOML template with the domain's loader; print OK or the precise error.
    Validate {
        /// Template files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
struct ServerArg {
    /// Base URL of the Onramp server.
    #[arg(long, env = "ONRAMP_SERVER", default_value = "http://127.0.0.1:8080")]
    server: String,
}

#[derive(Debug, Args)]
struct TenantAuth {
    #[command(flatten)]
    server: ServerArg,
    /// The tenant's API key (`onr_sk_...`).
    #[arg(long, env = "ONRAMP_API_KEY", hide_env_values = true)]
    api_key: String,
}

#[derive(Debug, Args)]
struct DemoCli {
    #[command(flatten)]
    auth: TenantAuth,
    /// Flow template to walk. With --channel whatsapp, the server's WhatsApp bot starts the
    /// flow it is configured with (ONRAMP_WHATSAPP_INBOUND_FLOW, conversational-profile by
    /// default): the demo stops if that is another one.
    #[arg(long, default_value = "conversational-profile")]
    flow: String,
    /// Where the person answers: `web` (the tenant's session routes) or `whatsapp` (a chat on
    /// the sandbox's WhatsApp, then a link code to the web, where the person finishes with
    /// an end-user token).
    #[arg(long, value_enum, default_value_t = demo::DemoChannel::Web)]
    channel: demo::DemoChannel,
    /// With --channel whatsapp: steps answered in the chat before moving to the web.
    #[arg(long, value_name = "N", default_value_t = 4)]
    link_after: usize,
    /// The session's phone, E.164; a random fictional +1 202 555 0120..0199 when absent
    /// (with --channel whatsapp, one without an open session).
    #[arg(long)]
    phone: Option<String>,
    /// Number whose voice calls fail, verified to show the SMS fallback (the sandbox's
    /// magic number). Web channel only.
    #[arg(long, default_value = demo::VOICE_NEVER_ANSWERED)]
    fallback_phone: String,
    /// Do not demonstrate the voice-to-SMS fallback.
    #[arg(long)]
    no_fallback: bool,
    /// Option to pick at a choice step, STEP=OPTION (repeatable); by default the first option,
    /// and self_employed for income_type.
    #[arg(long = "choice", value_parser = answers::parse_choice)]
    choices: Vec<(String, String)>,
    /// What to do with optional steps (web channel; with --channel whatsapp they are
    /// answered: neither the chat nor the end-user routes skip a step).
    #[arg(long, value_enum, default_value_t = OptionalSteps::Alternate)]
    optional: OptionalSteps,
    /// Seconds to wait for a code to reach the sandbox inbox.
    #[arg(long, default_value_t = 10.0)]
    code_timeout: f64,
    /// Seconds to pause after each step, to watch the progress bar move.
    #[arg(long, default_value_t = 0.0)]
    step_delay: f64,
}

#[derive(Debug, Args)]
#[command(subcommand_negates_reqs = true)]
struct BenchCli {
    /// A timed load instead of N journeys.
    #[command(subcommand)]
    mode: Option<bench::BenchMode>,
    #[command(flatten)]
    server: ServerArg,
    /// The tenant's API key (`onr_sk_...`).
    #[arg(long, env = "ONRAMP_API_KEY", hide_env_values = true, required = true)]
    api_key: Option<String>,
    /// Journeys to run.
    #[arg(long, default_value_t = 100)]
    journeys: usize,
    /// Concurrent workers.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Flow template.
    #[arg(long, default_value = "conversational-profile")]
    flow: String,
    /// Seconds to wait for a code to reach the sandbox inbox.
    #[arg(long, default_value_t = 10.0)]
    code_timeout: f64,
}

fn seconds(value: f64) -> anyhow::Result<Duration> {
    Duration::try_from_secs_f64(value)
        .map_err(|e| anyhow::anyhow!("invalid number of seconds {value}: {e}"))
}

async fn run(cli: Cli) -> anyhow::Result<bool> {
    match cli.command {
        Command::Tenant(TenantCommand::Create {
            name,
            server,
            admin_token,
        }) => {
            tenant::create(&Client::new(&server.server, &admin_token)?, &name).await?;
            Ok(true)
        }
        Command::Demo(d) => {
            let client = Client::new(&d.auth.server.server, &d.auth.api_key)?;
            let web = d.channel == demo::DemoChannel::Web;
            let args = demo::DemoArgs {
                flow: d.flow,
                channel: d.channel,
                link_after: d.link_after,
                phone: d.phone,
                fallback_phone: (web && !d.no_fallback).then_some(d.fallback_phone),
                choices: d.choices,
                optional: d.optional,
                timing: journey::Timing {
                    code_timeout: seconds(d.code_timeout)?,
                    step_delay: seconds(d.step_delay)?,
                },
            };
            demo::run(&client, args).await?;
            Ok(true)
        }
        Command::Bench(BenchCli {
            mode: Some(mode), ..
        }) => bench::run_mode(mode).await,
        Command::Bench(b) => {
            let api_key = b.api_key.context("--api-key is required")?;
            let client = Client::new(&b.server.server, &api_key)?;
            let args = bench::BenchArgs {
                journeys: b.journeys,
                concurrency: b.concurrency,
                flow: b.flow,
                code_timeout: seconds(b.code_timeout)?,
            };
            bench::run(client, args).await
        }
        Command::Flow(FlowCommand::Validate { files }) => Ok(validate::validate(&files)),
        Command::Flow(FlowCommand::List { auth }) => {
            let flows = Client::new(&auth.server.server, &auth.api_key)?
                .flows()
                .await?;
            for f in flows.data {
                let took = demo::duration_text(f.estimated_seconds);
                println!(
                    "{:<24} v{:<3} {:>2} steps  ~{took:<8} {}",
                    f.id, f.version, f.steps, f.title
                );
            }
            Ok(true)
        }
        Command::Webhook(w) => webhook::run(w).await,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // reqwest's rustls needs a process-wide crypto provider; an error only means one is set.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn demo_takes_choice_overrides() {
        let cli = Cli::try_parse_from([
            "onramp",
            "demo",
            "--api-key",
            "k",
            "--flow",
            "platform-setup",
            "--choice",
            "goal=file",
            "--optional",
            "skip",
        ])
        .expect("parses");
        let Command::Demo(d) = cli.command else {
            panic!("not demo")
        };
        assert_eq!(d.choices, vec![("goal".to_string(), "file".to_string())]);
        assert_eq!(d.optional, OptionalSteps::Skip);
        assert_eq!(d.auth.server.server, "http://127.0.0.1:8080");
    }

    #[test]
    fn bench_runs_n_journeys_or_a_timed_load() {
        let bench = |args: &[&str]| {
            let mut all = vec!["onramp", "bench"];
            all.extend_from_slice(args);
            match Cli::try_parse_from(all).map(|c| c.command) {
                Ok(Command::Bench(b)) => Ok(b),
                Ok(_) => panic!("not bench"),
                Err(e) => Err(e.kind()),
            }
        };
        let whole = bench(&["--api-key", "k", "--journeys", "5"]).expect("parses");
        assert!(whole.mode.is_none());
        assert_eq!((whole.journeys, whole.api_key.as_deref()), (5, Some("k")));
        let timed = bench(&["journeys", "--api-key", "k", "--seconds", "3"]).expect("parses");
        assert!(matches!(timed.mode, Some(bench::BenchMode::Journeys(_))));
        let hooks = bench(&["webhooks", "--secret", "whsec_x", "--concurrency", "64"]);
        assert!(matches!(
            hooks.expect("parses").mode,
            Some(bench::BenchMode::Webhooks(_))
        ));
        if std::env::var_os("ONRAMP_API_KEY").is_none() {
            assert_eq!(
                bench(&["--journeys", "5"]).err(),
                Some(clap::error::ErrorKind::MissingRequiredArgument)
            );
            assert_eq!(
                bench(&["journeys", "--seconds", "3"]).err(),
                Some(clap::error::ErrorKind::MissingRequiredArgument)
            );
        }
    }

    #[test]
    fn demo_takes_the_whatsapp_channel_and_when_to_link() {
        let parse = |extra: &[&str]| {
            let mut args = vec!["onramp", "demo", "--api-key", "k"];
            args.extend_from_slice(extra);
            match Cli::try_parse_from(args).expect("parses").command {
                Command::Demo(d) => d,
                _ => panic!("not demo"),
            }
        };
        let d = parse(&[]);
        assert_eq!(d.channel, demo::DemoChannel::Web);
        assert_eq!(d.link_after, 4);
        let d = parse(&["--channel", "whatsapp", "--link-after", "2"]);
        assert_eq!(d.channel, demo::DemoChannel::WhatsApp);
        assert_eq!(d.link_after, 2);
        assert!(
            Cli::try_parse_from(["onramp", "demo", "--api-key", "k", "--channel", "sms"]).is_err()
        );
    }
}
