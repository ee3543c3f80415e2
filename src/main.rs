//! The `bakery` command: parses the command line and settings, then runs the chosen part of the shop.

use std::path::PathBuf;
use std::process::ExitCode;

use bakery::config::{self, Settings};
use bakery::dead_letters::{self, Replay};
use bakery::queue::amqp::AmqpNames;
use bakery::startup::user_commands::{self, UserCommand};
use bakery::startup::{self, Application, Role};
use bakery::{store, telemetry};
use bakery_wire::staff::StaffRole;
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
    /// Have the running process on this machine re-read its settings (as SIGHUP does), through
    /// its operations listener (`metrics_bind`); prints what changed live and what needs a restart.
    Reload,
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Show what each actor and loop of a running process is doing, asked on its operations
    /// listener (BAKERY_METRICS_BIND).
    Actors {
        /// The process's operations listener, e.g. `http://10.0.0.7:9100`; default: this
        /// machine's, from BAKERY_METRICS_BIND.
        #[arg(long)]
        url: Option<String>,
    },
    /// Look at or replay the dead-letter queue (distributed shape).
    Dlq {
        #[command(subcommand)]
        action: DlqAction,
    },
}

#[derive(Debug, Subcommand)]
enum UserAction {
    /// Add a staff account; the password is read from a prompt or standard input, never an argument.
    Add {
        /// `admin` (everything) or `baker` (order board and stock).
        #[arg(long, value_parser = ["admin", "baker"])]
        role: String,
        /// The account's e-mail, used to sign in.
        email: String,
    },
    /// List the staff accounts.
    List,
    /// Deactivate an account: it cannot sign in, its sessions and tokens stop working at once.
    Disable {
        /// The account's e-mail.
        email: String,
    },
    /// Reactivate an account.
    Enable {
        /// The account's e-mail.
        email: String,
    },
    /// Change an account's role (in force from its next request).
    Role {
        /// The account's e-mail.
        email: String,
        /// `admin` or `baker`.
        #[arg(value_parser = ["admin", "baker"])]
        role: String,
    },
    /// Set an account's password (read like `add`'s) and end its sessions.
    Passwd {
        /// The user must change it at the next sign-in (a reset).
        #[arg(long)]
        temporary: bool,
        /// The account's e-mail.
        email: String,
    },
}

#[derive(Debug, Subcommand)]
enum DlqAction {
    /// List the messages in the dead-letter queue (they stay there).
    List,
    /// Put orders back on the order queue with their attempts reset.
    Replay {
        /// Replay every order message in the dead-letter queue.
        #[arg(long, conflicts_with = "order_id")]
        all: bool,
        /// The order to replay.
        #[arg(required_unless_present = "all")]
        order_id: Option<i64>,
    },
}

fn main() -> ExitCode {
    bakery::memory::limit_malloc_arenas();
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
    let outcome = startup::run_on_own_system(run(command, settings, cli.config));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "bakery stopped");
            eprintln!("bakery: {err}");
            ExitCode::FAILURE
        }
    }
}

async fn run(
    command: Command,
    settings: Settings,
    config: Option<PathBuf>,
) -> Result<(), Box<dyn std::error::Error>> {
    let role = match command {
        Command::Migrate => {
            let db = store::connect::connect(&settings.database_url, 1).await?;
            store::connect::migrate(&db).await?;
            println!("migrations applied");
            return Ok(());
        }
        Command::Dlq { action } => return dead_letter_command(action, &settings).await,
        Command::Actors { url } => {
            println!("{}", startup::actors_command::show(&settings, url).await?);
            return Ok(());
        }
        Command::Reload => {
            println!("{}", startup::reload::ask_running_process(&settings).await?);
            return Ok(());
        }
        Command::User { action } => return user_command(action, &settings).await,
        Command::All => Role::All,
        Command::Serve => Role::Serve,
        Command::Worker => Role::Worker,
    };
    // Caught from here on, so that a SIGHUP while the process starts does not end it.
    let hangups = startup::reload::hangups();
    let app = Application::build(settings.clone(), role).await?;
    app.reload_on_hangup(config, hangups);
    if let Some(port) = app.port() {
        let url = config::listen_url(&settings.bind, port, settings.tls.is_some());
        println!("listening on {url}");
    }
    if let (Some(port), Some(bind)) = (app.metrics_port(), &settings.metrics_bind) {
        println!("metrics on {}", config::listen_url(bind, port, false));
    }
    app.run_until_stopped().await?;
    Ok(())
}

async fn dead_letter_command(
    action: DlqAction,
    settings: &Settings,
) -> Result<(), Box<dyn std::error::Error>> {
    let Some(url) = settings.amqp_url.as_deref() else {
        return Err("the dead-letter queue lives in RabbitMQ: set BAKERY_AMQP_URL".into());
    };
    let names = AmqpNames::new(&settings.names);
    match action {
        DlqAction::List => {
            let letters = dead_letters::list(url, &names).await?;
            println!(
                "{} message(s) in {}",
                letters.len(),
                names.dead_letter_queue
            );
            for letter in letters {
                let order = letter.order_id.map_or("-".to_owned(), |id| id.to_string());
                println!("order {order}\t{}\t{}", letter.reason, letter.payload);
            }
        }
        DlqAction::Replay { all, order_id } => {
            let which = match (all, order_id) {
                (_, Some(id)) => Replay::Order(id),
                _ => Replay::All,
            };
            let db = store::connect::connect(&settings.database_url, 2).await?;
            let replayed = dead_letters::replay(url, &names, &db, which).await?;
            println!("replayed {} order(s): {replayed:?}", replayed.len());
        }
    }
    Ok(())
}

async fn user_command(
    action: UserAction,
    settings: &Settings,
) -> Result<(), Box<dyn std::error::Error>> {
    let role = |name: &str| StaffRole::parse(name).ok_or("the role must be admin or baker");
    let command = match action {
        UserAction::Add { role: name, email } => UserCommand::Add {
            email,
            role: role(&name)?,
        },
        UserAction::List => UserCommand::List,
        UserAction::Disable { email } => UserCommand::Disable { email },
        UserAction::Enable { email } => UserCommand::Enable { email },
        UserAction::Role { email, role: name } => UserCommand::Role {
            email,
            role: role(&name)?,
        },
        UserAction::Passwd { temporary, email } => UserCommand::Passwd { email, temporary },
    };
    let password = match command.needs_password() {
        true => Some(read_password()?),
        false => None,
    };
    let done = user_commands::run(&settings.database_url, command, password).await?;
    println!("{done}");
    Ok(())
}

/// The password: asked for without echo on a terminal, else the first line of standard input.
fn read_password() -> Result<String, Box<dyn std::error::Error>> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            return Err("the passwords differ".into());
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
