//! A TCP proxy in front of PostgreSQL, Redis or RabbitMQ whose link the chaos loop cuts and restores.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::Error;

/// Forwards every connection to `upstream` while the link is up; a cut closes every open
/// connection and refuses new ones until it is restored.
pub struct LinkProxy {
    pub name: &'static str,
    pub port: u16,
    cut: Arc<AtomicBool>,
    /// Bumped at every cut: each connection ends when it changes.
    generation: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl LinkProxy {
    /// Listens on 127.0.0.1 on a free port, forwarding to `upstream` (`host:port`).
    pub async fn start(name: &'static str, upstream: SocketAddr) -> Result<LinkProxy, Error> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let cut = Arc::new(AtomicBool::new(false));
        let (generation, _) = watch::channel(0_u64);
        let accept = {
            let cut = Arc::clone(&cut);
            let generation = generation.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    if cut.load(Ordering::SeqCst) {
                        drop(client);
                        continue;
                    }
                    let mut ended = generation.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut server) = TcpStream::connect(upstream).await else {
                            return;
                        };
                        let mut client = client;
                        let _ = client.set_nodelay(true);
                        let _ = server.set_nodelay(true);
                        tokio::select! {
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                            _ = ended.changed() => {}
                        }
                    });
                }
            })
        };
        Ok(LinkProxy {
            name,
            port,
            cut,
            generation,
            accept,
        })
    }

    /// The link goes down: open connections close, new ones are refused.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }

    /// The link comes back.
    pub fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

impl Drop for LinkProxy {
    fn drop(&mut self) {
        self.cut();
        self.accept.abort();
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An echo server; returns its address.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut r, mut w) = stream.split();
                    let _ = tokio::io::copy(&mut r, &mut w).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream) -> std::io::Result<usize> {
        stream.write_all(b"bread").await?;
        let mut buf = [0_u8; 5];
        stream.read(&mut buf).await
    }

    #[tokio::test]
    async fn a_cut_closes_the_link_and_a_restore_opens_it() {
        let proxy = LinkProxy::start("echo", echo().await).await.unwrap();
        let at = format!("127.0.0.1:{}", proxy.port);
        let mut open = TcpStream::connect(&at).await.unwrap();
        assert_eq!(round_trip(&mut open).await.unwrap(), 5);
        proxy.cut();
        // The open connection ends; a new one is closed at once.
        assert!(!matches!(round_trip(&mut open).await, Ok(5)));
        let mut refused = TcpStream::connect(&at).await.unwrap();
        assert!(!matches!(round_trip(&mut refused).await, Ok(5)));
        proxy.restore();
        let mut again = TcpStream::connect(&at).await.unwrap();
        assert_eq!(round_trip(&mut again).await.unwrap(), 5);
    }
}
