//! Drives fixed-time closed-loop load: N workers repeat one step, with latencies and a progress line.

use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Error;

/// One unit of work a worker repeats (one request, one transaction).
pub trait Step: Send + 'static {
    fn step(&mut self) -> impl Future<Output = Result<(), Error>> + Send;
}

/// What a fixed-time run measured.
pub struct Run<S> {
    /// The workers, handed back with whatever they collected.
    pub workers: Vec<S>,
    pub ok: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Latency of every successful step, in microseconds.
    pub latencies_us: Vec<u32>,
}

impl<S> Run<S> {
    /// Successful steps per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// The `q` quantile (0..=1) of `values` in milliseconds; sorts in place.
pub fn quantile_ms(values: &mut [u32], q: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_unstable();
    let index = ((values.len() - 1) as f64 * q).round() as usize;
    f64::from(values[index.min(values.len() - 1)]) / 1000.0
}

struct WorkerOutcome<S> {
    worker: S,
    errors: u64,
    first_error: Option<String>,
    latencies_us: Vec<u32>,
}

/// Runs every worker concurrently for `duration`, showing progress under `label` on stderr.
pub async fn drive<S: Step>(label: &str, duration: Duration, workers: Vec<S>) -> Run<S> {
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(workers.len());
    for mut worker in workers {
        let done = Arc::clone(&done);
        let failed = Arc::clone(&failed);
        tasks.push(tokio::spawn(async move {
            let mut outcome_errors = 0;
            let mut first_error = None;
            let mut latencies_us = Vec::with_capacity(4096);
            loop {
                let began = Instant::now();
                if began >= deadline {
                    break;
                }
                match worker.step().await {
                    Ok(()) => {
                        let micros = began.elapsed().as_micros();
                        latencies_us.push(u32::try_from(micros).unwrap_or(u32::MAX));
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(err) => {
                        outcome_errors += 1;
                        failed.fetch_add(1, Ordering::Relaxed);
                        if first_error.is_none() {
                            first_error = Some(err.to_string());
                        }
                        // A refused connection must not turn into a busy loop.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
            }
            WorkerOutcome {
                worker,
                errors: outcome_errors,
                first_error,
                latencies_us,
            }
        }));
    }
    let progress = {
        let done = Arc::clone(&done);
        let failed = Arc::clone(&failed);
        let label = label.to_owned();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                show_progress(&label, start, duration, &done, &failed, false);
            }
        })
    };
    let mut run = Run {
        workers: Vec::with_capacity(tasks.len()),
        ok: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latencies_us: Vec::new(),
    };
    for task in tasks {
        match task.await {
            Ok(outcome) => {
                run.errors += outcome.errors;
                if run.first_error.is_none() {
                    run.first_error = outcome.first_error;
                }
                run.latencies_us.extend(outcome.latencies_us);
                run.workers.push(outcome.worker);
            }
            Err(err) => {
                run.errors += 1;
                run.first_error.get_or_insert_with(|| err.to_string());
            }
        }
    }
    run.elapsed = start.elapsed();
    progress.abort();
    run.ok = run.latencies_us.len() as u64;
    show_progress(label, start, duration, &done, &failed, true);
    run
}

fn show_progress(
    label: &str,
    start: Instant,
    duration: Duration,
    done: &AtomicU64,
    failed: &AtomicU64,
    last: bool,
) {
    let elapsed = start.elapsed().as_secs_f64();
    let ok = done.load(Ordering::Relaxed);
    let errors = failed.load(Ordering::Relaxed);
    let shown = elapsed.min(duration.as_secs_f64());
    let mut stderr = std::io::stderr().lock();
    let _ = write!(
        stderr,
        "\r  {label:<44} {shown:>5.1}/{:.0} s {ok:>9} ok {errors:>5} err {:>9.0}/s",
        duration.as_secs_f64(),
        ok as f64 / elapsed.max(1e-9),
    );
    if last {
        let _ = writeln!(stderr);
    }
    let _ = stderr.flush();
}

/// One keep-alive HTTP/1.1 connection that reconnects after an error.
pub struct Http {
    addr: SocketAddr,
    host: String,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Http {
    pub fn new(addr: SocketAddr) -> Http {
        Http {
            addr,
            host: addr.to_string(),
            sender: None,
        }
    }

    async fn connect(&mut self) -> Result<SendRequest<Full<Bytes>>, Error> {
        let stream = TcpStream::connect(self.addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// Sends one request and reads the whole answer; a failed connection is replaced next time.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), Error> {
        let (status, _, body) = self.send_full(method, path, headers, body).await?;
        Ok((status, body))
    }

    /// [`Http::send`], with the answer's headers.
    pub async fn send_full(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<(StatusCode, header::HeaderMap, Bytes), Error> {
        let mut sender = match self.sender.take() {
            Some(sender) => sender,
            None => self.connect().await?,
        };
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.as_str());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request.body(Full::new(body))?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        let answer_headers = response.headers().clone();
        let body = response.into_body().collect().await?.to_bytes();
        self.sender = Some(sender);
        Ok((status, answer_headers, body))
    }

    /// GET `path`, failing unless the answer is 200.
    pub async fn get_ok(&mut self, path: &str) -> Result<Bytes, Error> {
        self.get_ok_with(path, &[]).await
    }

    /// [`Http::get_ok`] with request headers (a staff session's `Cookie`).
    pub async fn get_ok_with(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
    ) -> Result<Bytes, Error> {
        let (status, body) = self.send(Method::GET, path, headers, Bytes::new()).await?;
        if status != StatusCode::OK {
            return Err(format!("GET {path}: {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        Ok(body)
    }
}
