use crate::finding::{Finding, Severity};
use crate::python::{Call, FileAnalysis, LoopCallee, WhileLoop};
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule};

declare_rule! {
    /// A flood: a `while` loop that does nothing but send packets through
    /// a raw socket, with no pause and nothing read back.
    ///
    /// ## What it finds
    /// A `while` loop whose body sends on a socket (`sock.sendto(data,
    /// (ip, port))`, or `send`/`sendall` on a `socket.socket()`), and whose
    /// other calls only build the payload, keep the socket or report
    /// progress (`random`, `os.urandom`, `time.time()`, `print`,
    /// `socket.socket()`, `connect`, `close`). A loop that waits (`sleep`),
    /// reads (`recv`, `read`, a queue's `get`), calls anything else (the
    /// package's own functions, a callback) or keeps what a send returns
    /// (a buffer sent until drained) is not a flood: that is a client
    /// streaming data, a relay or a heartbeat.
    ///
    /// ## Why it matters
    /// Denial-of-service tools ("UDP flood", "booter" scripts, Discord
    /// nukers with a packet flooder) are published as packages; running
    /// them against someone else's host is an attack, and the package is
    /// a weapon whoever runs it. In code a user calls the loop is high;
    /// in code that runs by itself (install, start-up, import) it is
    /// critical: the installing machine joins the attack.
    ///
    /// ## Example
    /// ```python
    /// def flood(sock, ip, port, stop, payload):
    ///     while time.time() < stop:
    ///         sock.sendto(payload, (ip, port))
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1498.001 (Network Denial of Service: Direct Network
    /// Flood).
    pub struct NetworkFlood {
        id: "AY805",
        slug: "network-flood",
        category: Impact,
        severity: Critical,
    }
}

impl Rule for NetworkFlood {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            for lp in &file.loops {
                let Some(send) = flood_send(file, lp) else {
                    continue;
                };
                let when = send.context.describe();
                let mut f = code_finding(
                    &Self::META,
                    file,
                    send,
                    format!(
                        "`{}` sends packets in a loop with no pause and nothing read back: a flood {when}",
                        send.name.last_name().unwrap_or("send")
                    ),
                );
                f.severity = if send.context.is_automatic() {
                    Severity::Critical
                } else {
                    Severity::High
                };
                out.push(f);
            }
        }
    }
}

/// The socket send of a loop that only floods, if it is one: the body
/// calls nothing but sends and what [`FLOOD_WORK`] lists, and throws away
/// what a send returns (a loop that keeps it is sending a buffer until it
/// is drained: `n = sock.send(buf); buf = buf[n:]`).
fn flood_send<'f>(file: &'f FileAnalysis, lp: &WhileLoop) -> Option<&'f Call> {
    let callees = lp.callees.as_ref()?;
    let sends = |c: &&LoopCallee| SENDS.contains(&&*c.name);
    let only_floods = callees
        .iter()
        .all(|c| sends(&c) || FLOOD_WORK.contains(&&*c.name));
    if !only_floods || !callees.iter().filter(sends).all(|c| c.discarded) {
        return None;
    }
    file.calls
        .iter()
        .filter(|c| lp.holds(c.function.as_deref(), c.line))
        .find(|c| is_socket_send(c))
}

/// Methods that send on a socket.
const SENDS: &[&str] = &["sendto", "send", "sendall"];

/// What a flood loop calls besides sending, by the name the call spells:
/// the payload (`random`, `os.urandom`), the clock that ends it, the
/// socket itself, and progress on the terminal. Anything else (a `sleep`,
/// a `recv`, a `read`, a queue's `get`, the package's own functions) makes
/// the loop something other than a flood.
const FLOOD_WORK: &[&str] = &[
    "_urandom",
    "urandom",
    "randbytes",
    "randint",
    "randrange",
    "choice",
    "choices",
    "random",
    "getrandbits",
    "time",
    "perf_counter",
    "monotonic",
    "print",
    "len",
    "str",
    "int",
    "bytes",
    "range",
    "encode",
    "format",
    "join",
    "socket",
    "connect",
    "close",
    "setsockopt",
    "settimeout",
];

/// `sendto` on anything (only datagram sockets and transports have it);
/// `send`/`sendall` on what `socket.socket()` returned.
fn is_socket_send(call: &Call) -> bool {
    match call.name.last_name() {
        Some("sendto") => true,
        Some("send" | "sendall") => call.name.is_in("socket"),
        _ => false,
    }
}
