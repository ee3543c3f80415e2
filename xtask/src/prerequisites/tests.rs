//! The set-up decisions, for every mix of what is missing, who runs it and how.

use super::*;

fn local(kind: ServiceKind) -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port: kind.default_port(),
        from_env: None,
    }
}

/// A machine with everything installed and running.
fn complete() -> Survey {
    Survey {
        services: ServiceKind::ALL
            .into_iter()
            .map(|kind| ServiceFinding {
                kind,
                endpoint: local(kind),
                state: ServiceState::Up,
            })
            .collect(),
        programs: ProgramKind::ALL
            .into_iter()
            .map(|p| (p, ProgramState::Found))
            .collect(),
        wasm: WasmState::Installed,
    }
}

fn without(mut survey: Survey, program: ProgramKind) -> Survey {
    for (p, state) in &mut survey.programs {
        if *p == program {
            *state = ProgramState::Missing;
        }
    }
    survey
}

fn service_down(mut survey: Survey, kind: ServiceKind, start: Option<Vec<String>>) -> Survey {
    for s in &mut survey.services {
        if s.kind == kind {
            s.state = ServiceState::Down {
                start: start.clone(),
            };
        }
    }
    survey
}

const ROOT_APT: Powers = Powers {
    mode: Mode::Fix,
    root: true,
    apt: true,
};
const USER_APT: Powers = Powers {
    mode: Mode::Fix,
    root: false,
    apt: true,
};

fn stop_message(plan: Plan) -> String {
    match plan {
        Plan::Stop(message) => message,
        other => panic!("expected a stop, got {other:?}"),
    }
}

#[test]
fn a_complete_machine_is_ready() {
    assert_eq!(plan(&complete(), ROOT_APT), Plan::Ready);
    assert_eq!(plan(&complete(), USER_APT), Plan::Ready);
    let check = Powers {
        mode: Mode::Check,
        ..USER_APT
    };
    assert_eq!(plan(&complete(), check), Plan::Ready);
}

#[test]
fn root_with_apt_installs_a_missing_chromedriver() {
    let survey = without(complete(), ProgramKind::Chromedriver);
    assert_eq!(
        plan(&survey, ROOT_APT),
        Plan::Fix(Fixes {
            install: vec!["chromium-driver"],
            ..Fixes::default()
        })
    );
}

#[test]
fn a_user_is_told_every_missing_package_and_the_one_command() {
    let survey = without(
        without(complete(), ProgramKind::Chromedriver),
        ProgramKind::DockerCompose,
    );
    let message = stop_message(plan(&survey, USER_APT));
    assert!(message.contains("chromedriver for the browser test (package chromium-driver)"));
    assert!(message.contains("docker-compose"));
    assert!(
        message.ends_with("sudo apt-get install -y chromium-driver docker-compose"),
        "{message}"
    );
}

#[test]
fn root_without_apt_gets_the_debian_names() {
    let survey = without(complete(), ProgramKind::PythonVenv);
    let powers = Powers {
        apt: false,
        ..ROOT_APT
    };
    let message = stop_message(plan(&survey, powers));
    assert!(message.contains("Debian names: python3-venv"), "{message}");
}

#[test]
fn check_mode_never_installs_even_as_root() {
    let survey = without(complete(), ProgramKind::Chromium);
    let check = Powers {
        mode: Mode::Check,
        ..ROOT_APT
    };
    let message = stop_message(plan(&survey, check));
    assert!(
        message.ends_with("apt-get install -y chromium"),
        "{message}"
    );
    assert!(!message.contains("sudo"), "{message}");
}

#[test]
fn an_installed_service_that_is_down_is_started_by_anyone() {
    let start = vec!["redis-server".to_owned(), "--daemonize".to_owned()];
    let survey = service_down(complete(), ServiceKind::Redis, Some(start.clone()));
    let expected = Plan::Fix(Fixes {
        start: vec![(ServiceKind::Redis, local(ServiceKind::Redis), start)],
        ..Fixes::default()
    });
    assert_eq!(plan(&survey, USER_APT), expected);
    assert_eq!(plan(&survey, ROOT_APT), expected);
}

#[test]
fn a_service_that_is_not_installed_is_a_package() {
    let survey = service_down(complete(), ServiceKind::RabbitMq, None);
    assert_eq!(
        plan(&survey, ROOT_APT),
        Plan::Fix(Fixes {
            install: vec!["rabbitmq-server"],
            ..Fixes::default()
        })
    );
    let message = stop_message(plan(&survey, USER_APT));
    assert!(message.ends_with("sudo apt-get install -y rabbitmq-server"));
}

#[test]
fn nothing_is_started_or_installed_while_something_else_stops_the_run() {
    // A user lacking chromedriver with Redis down: stop at once, start nothing first.
    let survey = service_down(
        without(complete(), ProgramKind::Chromedriver),
        ServiceKind::Redis,
        Some(vec!["redis-server".to_owned()]),
    );
    assert!(matches!(plan(&survey, USER_APT), Plan::Stop(_)));
    // Root lacking the wasm target and rustup: nothing to install can help that.
    let mut survey = without(complete(), ProgramKind::Chromedriver);
    survey.wasm = WasmState::MissingWithoutRustup;
    let message = stop_message(plan(&survey, ROOT_APT));
    assert!(message.contains("rustup"), "{message}");
    assert!(
        message.contains("apt-get install -y chromium-driver"),
        "{message}"
    );
}

#[test]
fn the_wasm_target_is_added_with_rustup() {
    let mut survey = complete();
    survey.wasm = WasmState::Missing;
    assert_eq!(
        plan(&survey, USER_APT),
        Plan::Fix(Fixes {
            add_wasm_target: true,
            ..Fixes::default()
        })
    );
}

#[test]
fn a_remote_database_that_is_down_cannot_be_fixed_here() {
    let mut survey = complete();
    survey.services[0] = ServiceFinding {
        kind: ServiceKind::Postgres,
        endpoint: Endpoint {
            host: "db.example".into(),
            port: 5433,
            from_env: Some("BAKERY_TEST_PG"),
        },
        state: ServiceState::Down { start: None },
    };
    let message = stop_message(plan(&survey, ROOT_APT));
    assert!(
        message.contains("PostgreSQL on db.example:5433 (BAKERY_TEST_PG) is unreachable"),
        "{message}"
    );
    assert!(!message.contains("apt-get"), "{message}");
}

#[test]
fn a_missing_override_is_reported_not_installed() {
    let mut survey = complete();
    survey.programs[1].1 = ProgramState::BadOverride {
        var: "CHROMEDRIVER",
        path: "/nowhere/chromedriver".into(),
    };
    let message = stop_message(plan(&survey, ROOT_APT));
    assert!(message.contains("CHROMEDRIVER names /nowhere/chromedriver"));
}

#[test]
fn a_fix_that_did_not_take_is_not_tried_again() {
    let done = Fixes {
        install: vec!["chromium-driver"],
        add_wasm_target: true,
        ..Fixes::default()
    };
    let again = |install| Fixes {
        install,
        ..Fixes::default()
    };
    assert!(again(vec!["chromium-driver"]).repeats(&done));
    assert!(!again(vec!["postgresql"]).repeats(&done));
    assert!(
        Fixes {
            add_wasm_target: true,
            ..Fixes::default()
        }
        .repeats(&done)
    );
}

#[test]
fn urls_give_host_and_port() {
    let hp = |url| host_port(url, 5432);
    assert_eq!(
        hp("postgres://postgres@127.0.0.1:5432"),
        Some(("127.0.0.1".into(), 5432))
    );
    assert_eq!(
        hp("postgres://u:p@db.example:5433/x?sslmode=disable"),
        Some(("db.example".into(), 5433))
    );
    assert_eq!(
        hp("postgres://db.example"),
        Some(("db.example".into(), 5432))
    );
    assert_eq!(hp("postgres://[::1]:6000/db"), Some(("::1".into(), 6000)));
    assert_eq!(hp("postgres://host:notaport"), None);
    assert_eq!(hp("postgres://"), None);
}
