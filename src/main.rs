//! The `bakery` command: parses the command line and settings, then runs the chosen part of the shop.

use std::path::PathBuf;
use std::process::ExitCode;

use bakery::config::Settings;
use bakery::startup::{Application, Role};
use bakery::{store, telemetry};
use clap::{Parser, Subcommand};

/// A bakery's ordering system: storefront, HTTP API and the actors that bake the orders.
#[derive(Debug, Parser)]
#[command(name = "bakery", version)]
struct Cli {
    /// A TOML settings file (environment variables still win).
    #[arg(long, global = true, env = "BAKERY_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// API, storefront and order processing in one process (the default).
    All,
    /// The HTTP API and storefront only.
    Serve,
    /// Order processing only.
    Worker,
    /// Apply database migrations, then exit.
    Migrate,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("bakery: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&settings.log, std::io::stderr);
    let command = cli.command.unwrap_or(Command::All);
    let outcome = actix_web::rt::System::new().block_on(run(command, settings));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "bakery stopped");
            eprintln!("bakery: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let role = match command {
        Command::Migrate => {
            let db = store::connect::connect(&settings.database_url, 1).await?;
            store::connect::migrate(&db).await?;
            println!("migrations applied");
            return Ok(());
        }
        Command::All => Role::All,
        Command::Serve => Role::Serve,
        Command::Worker => Role::Worker,
    };
    let app = Application::build(settings, role).await?;
    if let Some(port) = app.port() {
        let host = std::env::var("BAKERY_BIND")
            .ok()
            .and_then(|b| b.rsplit_once(':').map(|(h, _)| h.to_owned()))
            .unwrap_or_else(|| "127.0.0.1".into());
        println!("listening on http://{host}:{port}");
    }
    app.run_until_stopped().await?;
    Ok(())
}
