//! Connection objects: the address is given when the object is made or
//! connected (`http.client.HTTPSConnection(host)`,
//! `websocket.create_connection(url)`, `smtplib.SMTP(host)`,
//! `sock.connect((host, port))`), and what its methods send goes there.
//! The object's value keeps the address ([`Sym::connected`]) and each of
//! its method calls records it as the call's destination.

use std::sync::Arc;

use ruff_python_ast::{self as ast, Expr};

use super::super::QualName;
use super::super::consts::Const;
use super::{Sym, Walker};

/// Calls that make a connection object, with the scheme its address is
/// written with.
const CONSTRUCTORS: &[(&str, &str)] = &[
    ("http.client.HTTPConnection", "http"),
    ("http.client.HTTPSConnection", "https"),
    ("httplib.HTTPConnection", "http"),
    ("httplib.HTTPSConnection", "https"),
    ("smtplib.SMTP", "tcp"),
    ("smtplib.SMTP_SSL", "tcp"),
    ("ftplib.FTP", "ftp"),
    ("ftplib.FTP_TLS", "ftp"),
    ("socket.create_connection", "tcp"),
    ("websocket.create_connection", "ws"),
    ("websockets.connect", "ws"),
    ("websockets.sync.client.connect", "ws"),
];

/// Methods that connect the object they are called on.
const CONNECTS: &[&str] = &["connect", "connect_ex", "open"];

impl<'a> Walker<'a, '_> {
    /// After a call: a connection object made by it keeps its address; a
    /// `connect` of an object bound to a name binds the name to the
    /// object connected there.
    pub(super) fn connection(
        &mut self,
        name: &QualName,
        call: &'a ast::ExprCall,
        args: &[Sym],
        keywords: &[(Arc<str>, Sym)],
        result: &mut Sym,
    ) {
        let keyword = |k: &str| keywords.iter().find(|(n, _)| &**n == k).map(|(_, v)| v);
        if let Some((_, scheme)) = CONSTRUCTORS
            .iter()
            .find(|(c, _)| name.top_module() == c.split('.').next() && *c == name.as_str())
        {
            let target = args
                .first()
                .or_else(|| keyword("host"))
                .or_else(|| keyword("url"))
                .or_else(|| keyword("uri"));
            let port = args.get(1).or_else(|| keyword("port"));
            result.connected = target.and_then(|t| address(t, port, scheme));
            return;
        }
        // The method's name first: most calls are no `connect`.
        if !name.last_name().is_some_and(|m| CONNECTS.contains(&m)) {
            return;
        }
        let connects = name.method_of_result().is_some_and(|(made_by, _)| {
            ["socket", "smtplib", "ftplib", "websocket"]
                .iter()
                .any(|m| made_by.is_in(m))
        });
        if !connects {
            return;
        }
        let Expr::Attribute(attr) = &*call.func else {
            return;
        };
        let Expr::Name(object) = &*attr.value else {
            return;
        };
        let Some(connected) = args.first().and_then(|a| address(a, args.get(1), "tcp")) else {
            return;
        };
        if let Some(mut sym) = self.lookup(object.id.as_str()).cloned() {
            sym.connected = Some(connected);
            self.bind(object.id.as_str(), sym);
        }
    }
}

/// An address as a URL: a URL as it is, a host (with its port) under
/// `scheme`, a `(host, port)` pair under `scheme`.
fn address(target: &Sym, port: Option<&Sym>, scheme: &str) -> Option<Arc<str>> {
    let port_text = |p: Option<&Sym>| match p.and_then(|p| p.konst.as_ref()) {
        Some(Const::Int(n)) => format!(":{n}"),
        _ => String::new(),
    };
    match &target.konst {
        Some(Const::Seq(items)) => {
            let host = match items.first()? {
                Const::Str(h) => h.clone(),
                _ => return None,
            };
            let port = match items.get(1) {
                Some(Const::Int(n)) => format!(":{n}"),
                _ => String::new(),
            };
            Some(format!("{scheme}://{host}{port}").into())
        }
        _ => {
            let text = target.printed()?;
            if text.contains("://") {
                Some(text)
            } else if text.contains(' ') {
                // A pair with unknown parts prints as `{} 443`.
                None
            } else {
                Some(format!("{scheme}://{text}{}", port_text(port)).into())
            }
        }
    }
}
