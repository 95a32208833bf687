//! The HTTP server loop (issue 24): `main` and the test harness serve through [`serve`].
//!
//! axum's own `serve` has no header-read or idle timeout and no connection cap, so a client
//! could hold any number of connections with unfinished headers until the process ran out of
//! file descriptors. Here, as Cowboy does for Pleroma (its `request_timeout`, `idle_timeout`
//! and Ranch's `max_connections`):
//! - the request line and headers must arrive within `header_read_timeout_ms`, and an idle
//!   keep-alive connection waits at most that long for its next request (hyper arms the timer
//!   as soon as it waits for a head);
//! - a request body that brings no data for `idle_timeout_ms` fails (the handler answers its
//!   4xx and the connection closes), and a connection on which no byte moves either way for
//!   that long while it waits to write, or to read with no request in hand (a client that
//!   stops reading its answer), is closed; a handler working longer is not cut off;
//! - connections beyond `max_connections_per_address` from one peer address (configured
//!   proxies excepted), or `max_connections` in all, are closed at once, unanswered.
use std::{
    collections::HashMap,
    future::Future,
    io,
    net::IpAddr,
    pin::Pin,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex,
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::ConnectInfo,
    Router,
};
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::watch,
    time::{Instant, Sleep},
};
use tower::ServiceExt;

use crate::config::HttpServer;

/// Serve `app` on `listener` until `shutdown` completes, then let open connections finish
/// their request in hand.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    settings: HttpServer,
    proxies: Vec<ipnet::IpNet>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let tracker = Arc::new(Tracker { settings: settings.clone(), proxies, open: Mutex::default() });
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over a cap: dropped here, closed before a byte is read.
        let Some(slot) = tracker.admit(peer.ip()) else { continue };
        let (app, settings, mut stop) = (app.clone(), settings.clone(), stop_rx.clone());
        tokio::spawn(async move {
            let _slot = slot;
            let _ = stream.set_nodelay(true);
            let idle = Duration::from_millis(settings.idle_timeout_ms);
            let busy = Arc::new(AtomicUsize::new(0));
            let io = TokioIo::new(IdleIo::new(stream, idle, busy.clone()));
            let service = hyper::service::service_fn(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                let working = Working::start(&busy);
                let answer = app.clone().oneshot(request.map(|body| Body::new(IdleBody::new(body, idle))));
                async move {
                    let answer = answer.await;
                    drop(working);
                    answer
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Duration::from_millis(settings.header_read_timeout_ms))
                .keep_alive(true)
                .serve_connection(io, service)
                .with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.wait_for(|stopped| *stopped) => {}
            }
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        });
    }
    let _ = stop_tx.send(true);
    // Until every connection has finished (each holds a receiver).
    drop(stop_rx);
    stop_tx.closed().await;
}

/// Open connections, per peer address and in all.
struct Tracker {
    settings: HttpServer,
    proxies: Vec<ipnet::IpNet>,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

impl Tracker {
    /// A slot for a new connection from `ip`, or `None` when a cap is reached.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Slot> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if open.total >= self.settings.max_connections {
            tracing::warn!(%ip, "connection refused: max_connections reached");
            return None;
        }
        let per_address = open.by_address.get(&ip).copied().unwrap_or(0);
        let proxy = self.proxies.iter().any(|net| net.contains(&ip));
        if !proxy && per_address >= self.settings.max_connections_per_address {
            tracing::warn!(%ip, "connection refused: max_connections_per_address reached");
            return None;
        }
        open.total += 1;
        *open.by_address.entry(ip).or_default() += 1;
        Some(Slot { tracker: self.clone(), ip })
    }
}

/// A connection's place in the counts, given back when the connection ends.
struct Slot {
    tracker: Arc<Tracker>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.tracker.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        open.total = open.total.saturating_sub(1);
        if let Some(count) = open.by_address.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.by_address.remove(&self.ip);
            }
        }
    }
}

/// Requests of a connection whose handler is still working, counted while it does.
struct Working(Arc<AtomicUsize>);

impl Working {
    fn start(busy: &Arc<AtomicUsize>) -> Working {
        busy.fetch_add(1, Ordering::Relaxed);
        Working(busy.clone())
    }
}

impl Drop for Working {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A request body that fails once it has brought no data for `idle` while being read.
struct IdleBody {
    inner: Incoming,
    idle: Duration,
    /// Armed while a read waits.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl IdleBody {
    fn new(inner: Incoming, idle: Duration) -> IdleBody {
        IdleBody { inner, idle, deadline: None }
    }
}

impl HttpBody for IdleBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => {
                this.deadline = None;
                Poll::Ready(frame.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                let idle = this.idle;
                let deadline = this.deadline.get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                if deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(timed_out()))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A socket that fails with `TimedOut` once a write, or a read while no handler is working,
/// has waited `idle` with no byte moved either way since the last progress.
struct IdleIo {
    stream: TcpStream,
    idle: Duration,
    deadline: Pin<Box<Sleep>>,
    busy: Arc<AtomicUsize>,
}

impl IdleIo {
    fn new(stream: TcpStream, idle: Duration, busy: Arc<AtomicUsize>) -> IdleIo {
        IdleIo { stream, idle, deadline: Box::pin(tokio::time::sleep(idle)), busy }
    }

    fn progressed(&mut self) {
        let next = Instant::now() + self.idle;
        self.deadline.as_mut().reset(next);
    }

    /// On `Pending`: whether the idle deadline has passed (the timer is polled so the task
    /// wakes when it does).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.deadline.as_mut().poll(cx).is_ready()
    }

    /// A write's outcome: bytes written are progress; a write still waiting past the deadline
    /// fails (a client that stopped reading its answer).
    fn after_write(&mut self, cx: &mut Context<'_>, written: Poll<io::Result<usize>>) -> Poll<io::Result<usize>> {
        match written {
            Poll::Ready(Ok(n)) => {
                if n > 0 {
                    self.progressed();
                }
                Poll::Ready(Ok(n))
            }
            Poll::Pending if self.expired(cx) => Poll::Ready(Err(timed_out())),
            other => other,
        }
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "connection idle")
}

impl AsyncRead for IdleIo {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.stream).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    self.progressed();
                }
                Poll::Ready(Ok(()))
            }
            // A working handler may take its time (its body has its own deadline).
            Poll::Pending if self.busy.load(Ordering::Relaxed) == 0 && self.expired(cx) => {
                Poll::Ready(Err(timed_out()))
            }
            other => other,
        }
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.after_write(cx, written)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.after_write(cx, written)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
