//! `bakery user …`: staff accounts from the command line, for the operator (acting as `cli` in
//! the audit log) — add, list, disable, enable, change the role, set the password.

use bakery_wire::staff::StaffRole;
use sea_orm::DatabaseConnection;

use crate::staff::accounts::{self, AccountError, Principal};
use crate::staff::lifecycle::{self, AccountChange};
use crate::store::{StoreError, connect};

/// What the command line may do to an account.
#[derive(Debug, Clone, PartialEq)]
pub enum UserCommand {
    Add {
        email: String,
        role: StaffRole,
    },
    List,
    Disable {
        email: String,
    },
    Enable {
        email: String,
    },
    Role {
        email: String,
        role: StaffRole,
    },
    /// A new password; `temporary`: the user must change it at the next sign-in.
    Passwd {
        email: String,
        temporary: bool,
    },
}

impl UserCommand {
    /// True when the command reads a password.
    pub fn needs_password(&self) -> bool {
        matches!(self, UserCommand::Add { .. } | UserCommand::Passwd { .. })
    }
}

/// Why a user command failed.
#[derive(Debug, thiserror::Error)]
pub enum UserCommandError {
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
}

/// The operator as the audit log names them.
fn operator() -> Principal {
    Principal {
        actor: "cli".into(),
        role: StaffRole::Admin,
        csrf_token: None,
        user_id: None,
        must_change_password: false,
    }
}

/// Runs `command` against the database at `database_url` (migrated first); returns what to print.
pub async fn run(
    database_url: &str,
    command: UserCommand,
    password: Option<String>,
) -> Result<String, UserCommandError> {
    let db = connect::connect(database_url, 1).await?;
    connect::migrate(&db).await?;
    let password = password.unwrap_or_default();
    let cli = operator();
    let change = |email: &str, change: AccountChange| {
        let (db, email, cli) = (db.clone(), email.to_owned(), cli.clone());
        async move { apply(&db, &cli, &email, change).await }
    };
    Ok(match command {
        UserCommand::Add { email, role } => {
            let user =
                accounts::create_user_audited(&db, &cli.actor, &email, &password, role).await?;
            format!("added {} ({})", user.email, user.role)
        }
        UserCommand::List => listing(&db).await?,
        UserCommand::Disable { email } => {
            let user = change(&email, AccountChange::Disable).await?;
            format!(
                "disabled {}; its sessions and tokens no longer work",
                user.email
            )
        }
        UserCommand::Enable { email } => {
            let user = change(&email, AccountChange::Enable).await?;
            format!("enabled {}", user.email)
        }
        UserCommand::Role { email, role } => {
            let user = change(&email, AccountChange::Role(role)).await?;
            format!("{} is now {}", user.email, user.role)
        }
        UserCommand::Passwd { email, temporary } => {
            let hash = accounts::password_hash("password", &password)?;
            let set = AccountChange::SetPassword {
                hash,
                must_change: temporary,
            };
            let user = change(&email, set).await?;
            match temporary {
                true => format!(
                    "password of {} reset; it must be changed at the next sign-in",
                    user.email
                ),
                false => format!("password of {} set; its sessions ended", user.email),
            }
        }
    })
}

async fn apply(
    db: &DatabaseConnection,
    cli: &Principal,
    email: &str,
    change: AccountChange,
) -> Result<entity::staff_user::Model, UserCommandError> {
    let id = lifecycle::user_id_by_email(db, email).await?;
    Ok(lifecycle::change_account(db, cli, id, change).await?)
}

/// Every account, a line each: id, e-mail, role, state.
async fn listing(db: &DatabaseConnection) -> Result<String, UserCommandError> {
    let mut out = String::from("id\temail\trole\tstate");
    for user in accounts::users(db).await? {
        let state = match (user.active, user.must_change_password) {
            (false, _) => "disabled",
            (true, true) => "active, must change password",
            (true, false) => "active",
        };
        out.push_str(&format!(
            "\n{}\t{}\t{}\t{state}",
            user.id, user.email, user.role
        ));
    }
    Ok(out)
}
