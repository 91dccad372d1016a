//! A raw-TCP target that misbehaves on purpose (never answers, resets,
//! floods, trickles), counting connections and the bytes it managed to send.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc,
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// How the target treats every connection.
#[derive(Debug, Clone, Copy)]
pub enum Misbehaviour {
    /// Reads the request, never answers.
    Silent,
    /// Reads the request, then resets the connection (RST).
    Reset,
    /// Answers 200 with a body of this many bytes.
    Huge(usize),
    /// Answers 200 with a chunked body that never ends.
    Endless,
    /// Answers 200 promising 1,000 bytes, sends one every 100 ms.
    Trickle,
}

/// What happened so far.
#[derive(Default)]
pub struct Counters {
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// Body bytes written (accepted by the kernel).
    pub written: AtomicUsize,
    /// Connections whose writing stopped because the peer went away.
    pub cut_off: AtomicUsize,
    /// Set while a connection is still being written to.
    pub writing: AtomicBool,
}

/// A running misbehaving target.
pub struct BadTarget {
    pub url: String,
    pub counters: Arc<Counters>,
}

impl BadTarget {
    /// Listens on loopback.
    pub async fn start(how: Misbehaviour) -> BadTarget {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counters = Arc::new(Counters::default());
        let c = counters.clone();
        actix_rt::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                c.connections.fetch_add(1, Ordering::SeqCst);
                actix_rt::spawn(serve(stream, how, c.clone()));
            }
        });
        BadTarget { url, counters }
    }

    /// Body bytes written so far.
    pub fn written(&self) -> usize {
        self.counters.written.load(Ordering::SeqCst)
    }
}

async fn read_head(stream: &mut TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut seen = Vec::new();
    while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

async fn serve(mut stream: TcpStream, how: Misbehaviour, c: Arc<Counters>) {
    read_head(&mut stream).await;
    match how {
        Misbehaviour::Silent => {
            actix_rt::time::sleep(Duration::from_secs(3600)).await;
        }
        Misbehaviour::Reset => {
            // A zero linger resets instead of blocking, which is the point.
            #[allow(deprecated)]
            let _ = stream.set_linger(Some(Duration::ZERO));
            drop(stream);
        }
        Misbehaviour::Huge(n) => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {n}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            pump(&mut stream, Some(n), &c, b"x").await;
        }
        Misbehaviour::Endless => {
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            let chunk = format!("4000\r\n{}\r\n", "y".repeat(0x4000));
            pump(&mut stream, None, &c, chunk.as_bytes()).await;
        }
        Misbehaviour::Trickle => {
            let head = "HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            for _ in 0..1000 {
                if stream.write_all(b"z").await.is_err() {
                    c.cut_off.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                c.written.fetch_add(1, Ordering::SeqCst);
                actix_rt::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Writes `unit` repeatedly (up to `limit` bytes) until the peer goes away.
async fn pump(stream: &mut TcpStream, limit: Option<usize>, c: &Counters, unit: &[u8]) {
    let reps = (256 * 1024 / unit.len()).max(1);
    let big: Vec<u8> = unit
        .iter()
        .copied()
        .cycle()
        .take(unit.len() * reps)
        .collect();
    let mut sent = 0;
    c.writing.store(true, Ordering::SeqCst);
    loop {
        let n = limit.map_or(big.len(), |l| (l - sent).min(big.len()));
        if n == 0 {
            break;
        }
        if stream.write_all(&big[..n]).await.is_err() {
            c.cut_off.fetch_add(1, Ordering::SeqCst);
            break;
        }
        sent += n;
        c.written.fetch_add(n, Ordering::SeqCst);
    }
    c.writing.store(false, Ordering::SeqCst);
}
