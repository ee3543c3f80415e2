//! How a process runs and stops: on an actix system of its own, until SIGTERM or SIGINT.

/// Runs `future` to its end on an actix system of its own, then drops the system inside its
/// runtime. Actors still at work when a process or a test ends are dropped with the system; a
/// database connection they hold hands itself back to its pool by spawning on tokio, which
/// panics ("requires a Tokio context") when the system is dropped outside the runtime. A panic
/// of `future` is passed on once the system is gone.
pub fn run_on_own_system<F: Future>(future: F) -> F::Output {
    let system = actix_web::rt::System::new();
    let runtime = system.runtime().tokio_runtime().handle().clone();
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| system.block_on(future)));
    {
        let _inside = runtime.enter();
        drop(system);
    }
    match outcome {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Waits for SIGTERM or SIGINT.
pub(super) async fn stop_signal() -> std::io::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = terminate.recv() => {}
        interrupted = tokio::signal::ctrl_c() => interrupted?,
    }
    tracing::info!("stop signal received; shutting down");
    Ok(())
}
