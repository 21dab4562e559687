//! The HTTP side of the proxy (tiny_http, one thread per request so that
//! clients waiting for the same file's scan never starve the others):
//! routing, content negotiation and the answers, including the `403` whose
//! reason phrase carries the one line pip prints.

use std::io::{Cursor, Write as _};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;

use tiny_http::{Header, Method, Request, Response, Server};

use crate::escape::{percent_decode, reason_phrase};
use crate::gate::{FileOutcome, Gate, UpstreamFailure};
use crate::pages;
use crate::report_page;

/// Most requests handled at once; more get `503`.
const MAX_IN_FLIGHT: usize = 512;

/// The proxy could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address cannot be listened on.
    #[error("cannot listen on {addr}: {detail}")]
    Bind {
        /// The address asked for.
        addr: String,
        /// Why.
        detail: String,
    },
}

/// A running proxy. Dropping it stops it.
pub struct ProxyServer {
    server: Arc<Server>,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ProxyServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProxyServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl ProxyServer {
    /// Listens on `listen` (`127.0.0.1:3141`; port 0 picks a free one) and
    /// serves `gate` until stopped.
    pub fn start(gate: Arc<Gate>, listen: &str) -> Result<ProxyServer, ServeError> {
        let server = Server::http(listen).map_err(|e| ServeError::Bind {
            addr: listen.to_owned(),
            detail: e.to_string(),
        })?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ServeError::Bind {
                addr: listen.to_owned(),
                detail: "not an IP address".to_owned(),
            })?;
        let server = Arc::new(server);
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (server, stop) = (server.clone(), stop.clone());
            std::thread::spawn(move || accept(&server, &stop, &gate, addr))
        };
        Ok(ProxyServer {
            server,
            addr,
            stop,
            acceptor: Some(acceptor),
        })
    }

    /// The address listened on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simple API root to give clients: `http://ADDR/simple/`.
    pub fn index_url(&self) -> String {
        format!("http://{}/simple/", self.addr)
    }

    /// Serves until the process ends.
    pub fn wait(mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn accept(server: &Server, stop: &AtomicBool, gate: &Arc<Gate>, addr: SocketAddr) {
    let in_flight = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        let Ok(request) = server.recv() else {
            break;
        };
        if in_flight.fetch_add(1, Ordering::SeqCst) >= MAX_IN_FLIGHT {
            in_flight.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(text(503, "assay proxy: too many requests at once\n"));
            continue;
        }
        let (gate, in_flight) = (gate.clone(), in_flight.clone());
        let spawned = std::thread::Builder::new()
            .name("assay-proxy".into())
            .spawn(move || {
                handle(&gate, request, addr);
                in_flight.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The request went with the failed closure; its connection closes.
            continue;
        }
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn text(status: u16, body: &str) -> Response<Cursor<Vec<u8>>> {
    Response::from_string(body)
        .with_status_code(status)
        .with_header(header("Content-Type", "text/plain; charset=utf-8"))
}

fn request_header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// `http://host:port` as the client addressed us (for the report link), if
/// the `Host` header is plain; else the listening address.
fn public_root(request: &Request, addr: SocketAddr) -> String {
    let host = request_header(request, "Host").filter(|h| {
        !h.is_empty()
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    });
    match host {
        Some(h) => format!("http://{h}"),
        None => format!("http://{addr}"),
    }
}

fn handle(gate: &Gate, request: Request, addr: SocketAddr) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        let _ = request.respond(text(405, "assay proxy: only GET and HEAD\n"));
        return;
    }
    let raw = request.url().to_owned();
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let Some(path) = percent_decode(path) else {
        let _ = request.respond(text(400, "assay proxy: the path is not UTF-8\n"));
        return;
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let _ = match segments.as_slice() {
        ["simple", ""] | ["simple"] => root(request),
        ["simple", project] => {
            let target = format!("/simple/{}/", crate::escape::url_path_segment(project));
            request.respond(Response::empty(301).with_header(header("Location", &target)))
        }
        ["simple", project, ""] => project_page(gate, request, project),
        ["files", project, filename] => file(gate, request, project, filename, addr),
        ["report", sha256] => report(gate, request, sha256),
        ["_assay", "stats"] => {
            let body = serde_json::to_string(&gate.stats()).unwrap_or_default();
            request.respond(json(body))
        }
        ["_assay", "blocked"] => {
            let body = serde_json::to_string(&gate.blocked()).unwrap_or_default();
            request.respond(json(body))
        }
        _ => request.respond(text(404, "assay proxy: no such page\n")),
    };
}

fn json(body: String) -> Response<Cursor<Vec<u8>>> {
    Response::from_string(body).with_header(header("Content-Type", "application/json"))
}

fn root(request: Request) -> std::io::Result<()> {
    let Some(format) = pages::negotiate(request_header(&request, "Accept")) else {
        return request.respond(text(406, "assay proxy: serves JSON and HTML pages only\n"));
    };
    request.respond(
        Response::from_string(pages::render_root(format))
            .with_header(header("Content-Type", format.content_type()))
            .with_header(header("Vary", "Accept")),
    )
}

fn upstream_error(request: Request, failure: &UpstreamFailure) -> std::io::Result<()> {
    request.respond(text(
        failure.status,
        &format!("assay proxy: {}\n", failure.message),
    ))
}

fn project_page(gate: &Gate, request: Request, project: &str) -> std::io::Result<()> {
    let Some(format) = pages::negotiate(request_header(&request, "Accept")) else {
        return request.respond(text(406, "assay proxy: serves JSON and HTML pages only\n"));
    };
    let name = assay_index::normalize_name(project);
    match gate.project_files(&name) {
        Err(failure) => upstream_error(request, &failure),
        Ok(files) => request.respond(
            Response::from_string(pages::render(format, &name, &files, &[]))
                .with_header(header("Content-Type", format.content_type()))
                .with_header(header("Vary", "Accept"))
                .with_header(header("Cache-Control", "max-age=0, must-revalidate")),
        ),
    }
}

fn file(
    gate: &Gate,
    request: Request,
    project: &str,
    filename: &str,
    addr: SocketAddr,
) -> std::io::Result<()> {
    if let Some(dist) = filename.strip_suffix(".metadata") {
        return match gate.metadata(project, dist) {
            Ok(bytes) => request.respond(
                Response::from_data(bytes)
                    .with_header(header("Content-Type", "application/octet-stream")),
            ),
            Err(failure) => upstream_error(request, &failure),
        };
    }
    match gate.file(project, filename) {
        FileOutcome::Serve { bytes, sha256 } => request.respond(
            Response::from_data(bytes.as_slice().to_vec())
                .with_header(header("Content-Type", "application/octet-stream"))
                .with_header(header("X-Assay-Sha256", &sha256)),
        ),
        FileOutcome::Upstream(failure) => upstream_error(request, &failure),
        FileOutcome::Blocked(blocked) => {
            let link = match &blocked.sha256 {
                Some(sha) => format!(", see {}/report/{sha}", public_root(&request, addr)),
                None => String::new(),
            };
            let line = reason_phrase(&format!("blocked by assay: {}{link}", blocked.reason));
            forbidden(request, &line)
        }
    }
}

/// `403` with `line` as the reason phrase (pip prints the reason phrase,
/// not the body) and as the body. tiny_http only writes standard reason
/// phrases, so this response is written by hand, and closes the connection.
fn forbidden(request: Request, line: &str) -> std::io::Result<()> {
    let head_only = *request.method() == Method::Head;
    let body = format!("{line}\n");
    let mut writer = request.into_writer();
    let mut out = format!(
        "HTTP/1.1 403 {line}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if !head_only {
        out.push_str(&body);
    }
    writer.write_all(out.as_bytes())?;
    writer.flush()
}

fn report(gate: &Gate, request: Request, sha256: &str) -> std::io::Result<()> {
    let sha256 = sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return request.respond(text(404, "assay proxy: not a sha256\n"));
    }
    let Some(judged) = gate.report(&sha256) else {
        return request.respond(text(
            404,
            "assay proxy: no file with this sha256 was scanned\n",
        ));
    };
    let blocked = gate
        .blocked()
        .into_iter()
        .find(|b| b.sha256.as_deref() == Some(sha256.as_str()));
    let body = report_page::render(&sha256, &judged, blocked.as_deref());
    request.respond(
        Response::from_string(body).with_header(header("Content-Type", "text/html; charset=utf-8")),
    )
}
