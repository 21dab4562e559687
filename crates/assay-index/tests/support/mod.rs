//! A tiny scripted HTTP/1.1 server on 127.0.0.1 for client tests.
//!
//! Each connection is served by its own thread; the handler sees the
//! request and returns a [`Reply`]. Every response closes its connection.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// A request as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
}

/// A scripted response.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send only this many body bytes (with the full Content-Length), then close.
    pub truncate_to: Option<usize>,
    /// Send the body one byte at a time, waiting this long before each (a
    /// slowloris server).
    pub drip: Option<Duration>,
    /// Send no Content-Length: the body ends when the connection closes.
    pub no_length: bool,
}

impl Reply {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
            delay: Duration::ZERO,
            truncate_to: None,
            drip: None,
            no_length: false,
        }
    }

    pub fn not_found() -> Reply {
        Reply::new(404, "text/plain", "not found")
    }

    pub fn bytes(body: &[u8]) -> Reply {
        Reply::new(200, "application/octet-stream", body.to_vec())
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

pub struct Server {
    pub base: String,
    stop: Arc<AtomicBool>,
    hits: Arc<Mutex<Vec<Request>>>,
    thread: Option<JoinHandle<()>>,
    port: u16,
}

impl Server {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let stop = Arc::new(AtomicBool::new(false));
        let hits: Arc<Mutex<Vec<Request>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let (s, h) = (stop.clone(), hits.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (handler, hits) = (handler.clone(), h.clone());
                std::thread::spawn(move || serve(conn, &*handler, &hits));
            }
        });
        Server {
            base: format!("http://127.0.0.1:{port}"),
            stop,
            hits,
            thread: Some(thread),
            port,
        }
    }

    /// Requests seen for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .expect("hits")
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.hits.lock().expect("hits").clone()
    }

    pub fn total_hits(&self) -> usize {
        self.hits.lock().expect("hits").len()
    }

    /// Stops accepting connections and closes the port.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(mut conn: TcpStream, handler: &Handler, hits: &Mutex<Vec<Request>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    // A proxy's CONNECT: record it as `CONNECT host:port`, open the tunnel
    // and serve the request that follows on the same connection.
    loop {
        let Some(req) = read_request(&mut conn) else {
            return;
        };
        if let Some(target) = req.path.strip_prefix("CONNECT ") {
            hits.lock().expect("hits").push(Request {
                path: format!("CONNECT {target}"),
                headers: req.headers.clone(),
            });
            if conn
                .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                .is_err()
            {
                return;
            }
            continue;
        }
        respond(conn, req, handler, hits);
        return;
    }
}

fn read_request(conn: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    // Read byte by byte so nothing after the head (a tunnelled request) is lost.
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        match conn.read(&mut byte) {
            Ok(0) | Err(_) => return None,
            Ok(_) => buf.push(byte[0]),
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let mut words = request_line.split(' ');
    let method = words.next().unwrap_or_default();
    let target = words.next().unwrap_or("/").to_owned();
    let path = if method == "CONNECT" {
        format!("CONNECT {target}")
    } else {
        target
    };
    let headers = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request { path, headers })
}

fn respond(mut conn: TcpStream, req: Request, handler: &Handler, hits: &Mutex<Vec<Request>>) {
    hits.lock().expect("hits").push(req.clone());
    let reply = handler(&req);
    std::thread::sleep(reply.delay);
    let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", reply.status);
    if !reply.no_length {
        head.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    for (k, v) in &reply.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let body = match reply.truncate_to {
        Some(n) => &reply.body[..n.min(reply.body.len())],
        None => &reply.body[..],
    };
    let _ = conn.write_all(head.as_bytes());
    match reply.drip {
        Some(pause) => {
            for byte in body.chunks(1) {
                std::thread::sleep(pause);
                if conn.write_all(byte).and_then(|()| conn.flush()).is_err() {
                    return;
                }
            }
        }
        None => {
            let _ = conn.write_all(body);
        }
    }
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
}
