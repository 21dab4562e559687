//! A fault-injecting HTTP proxy in front of the real index server.
//!
//! Every request is forwarded to pypiserver unchanged, except for the paths
//! a test picks: those get an error status, a truncated body, a delay or a
//! different body instead, always or for the next few requests. Each
//! request's path is recorded, so tests can count downloads. The proxy
//! listens on 127.0.0.1 only and forwards to the loopback server only.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::IndexServer;

/// What to do instead of a plain forward.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer with this status and a short text body.
    Status(u16),
    /// Forward, then send the server's head (with its full
    /// `Content-Length`) and only half of the body, and close.
    Truncate,
    /// Wait this long, then forward.
    Delay(Duration),
    /// Answer 200 with this content type and body.
    Body(&'static str, Vec<u8>),
}

struct Rule {
    path: String,
    fault: Fault,
    /// Requests left to fault; `None` for every request.
    remaining: Option<usize>,
}

#[derive(Default)]
struct Shared {
    rules: Mutex<Vec<Rule>>,
    hits: Mutex<Vec<String>>,
    /// Each request's path and header lines, in arrival order.
    heads: Mutex<Vec<(String, Vec<String>)>>,
}

impl Shared {
    /// The fault for this request, if any, counting it down.
    fn fault_for(&self, path: &str) -> Option<Fault> {
        let mut rules = self.rules.lock().expect("rules");
        let rule = rules
            .iter_mut()
            .find(|r| r.path == path && r.remaining != Some(0))?;
        if let Some(n) = &mut rule.remaining {
            *n -= 1;
        }
        Some(rule.fault.clone())
    }
}

pub struct FaultProxy {
    /// `http://127.0.0.1:port`.
    pub root: String,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
    port: u16,
    thread: Option<JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy forwarding to `upstream`.
    pub fn start(upstream: &IndexServer) -> FaultProxy {
        let upstream = upstream
            .root
            .strip_prefix("http://")
            .expect("the index server is plain HTTP")
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared::default());
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (shared.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let (shared, upstream) = (s.clone(), upstream.clone());
                std::thread::spawn(move || serve(conn, &shared, &upstream));
            }
        });
        FaultProxy {
            root: format!("http://127.0.0.1:{port}"),
            shared,
            stop,
            port,
            thread: Some(thread),
        }
    }

    /// The simple API root through the proxy.
    pub fn index_url(&self) -> String {
        format!("{}/simple/", self.root)
    }

    /// Faults every request for `path` (`/packages/x-1.0.tar.gz`,
    /// `/simple/x/`) from now on.
    pub fn always(&self, path: &str, fault: Fault) {
        self.add(path, fault, None);
    }

    /// Faults the next `times` requests for `path`, then forwards again.
    pub fn times(&self, path: &str, fault: Fault, times: usize) {
        self.add(path, fault, Some(times));
    }

    fn add(&self, path: &str, fault: Fault, remaining: Option<usize>) {
        self.shared.rules.lock().expect("rules").push(Rule {
            path: path.to_owned(),
            fault,
            remaining,
        });
    }

    /// Requests seen for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.shared
            .hits
            .lock()
            .expect("hits")
            .iter()
            .filter(|p| *p == path)
            .count()
    }

    /// Every request path seen, in order.
    pub fn requests(&self) -> Vec<String> {
        self.shared.hits.lock().expect("hits").clone()
    }

    /// The header lines of every request for `path`.
    pub fn headers(&self, path: &str) -> Vec<String> {
        self.shared
            .heads
            .lock()
            .expect("heads")
            .iter()
            .filter(|(p, _)| p == path)
            .flat_map(|(_, headers)| headers.iter().cloned())
            .collect()
    }

    /// Forgets the requests seen so far.
    pub fn reset_hits(&self) {
        self.shared.hits.lock().expect("hits").clear();
        self.shared.heads.lock().expect("heads").clear();
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The request line's target and the header lines, as sent.
fn read_head(conn: &TcpStream) -> Option<(String, Vec<String>)> {
    let mut reader = BufReader::new(conn);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split(' ').nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        headers.push(line);
    }
    Some((target, headers))
}

fn serve(mut conn: TcpStream, shared: &Shared, upstream: &str) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Some((target, headers)) = read_head(&conn) else {
        return;
    };
    let path = target
        .split(['?', '#'])
        .next()
        .unwrap_or(&target)
        .to_owned();
    shared.hits.lock().expect("hits").push(path.clone());
    shared
        .heads
        .lock()
        .expect("heads")
        .push((path.clone(), headers.clone()));
    let reply = match shared.fault_for(&path) {
        None => forward(&target, &headers, upstream),
        Some(Fault::Status(status)) => synthetic(status, "text/plain", b"injected fault\n"),
        Some(Fault::Body(content_type, body)) => synthetic(200, content_type, &body),
        Some(Fault::Delay(delay)) => {
            std::thread::sleep(delay);
            forward(&target, &headers, upstream)
        }
        Some(Fault::Truncate) => {
            let whole = forward(&target, &headers, upstream);
            let body_at = whole
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map_or(whole.len(), |i| i + 4);
            let body_len = whole.len() - body_at;
            whole[..body_at + body_len / 2].to_vec()
        }
    };
    let _ = conn.write_all(&reply);
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
}

/// The server's whole response (it closes the connection after it).
fn forward(target: &str, headers: &[String], upstream: &str) -> Vec<u8> {
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return synthetic(502, "text/plain", b"index server unreachable\n");
    };
    let _ = up.set_read_timeout(Some(Duration::from_secs(30)));
    let mut request = format!("GET {target} HTTP/1.0\r\nHost: {upstream}\r\n");
    for header in headers {
        let name = header
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !matches!(name.as_str(), "host" | "connection" | "keep-alive") {
            request.push_str(header);
            request.push_str("\r\n");
        }
    }
    request.push_str("Connection: close\r\n\r\n");
    let mut response = Vec::new();
    if up.write_all(request.as_bytes()).is_err() || up.read_to_end(&mut response).is_err() {
        return synthetic(502, "text/plain", b"index server failed\n");
    }
    response
}

fn synthetic(status: u16, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    reply.extend_from_slice(body);
    reply
}
