//! What qualified names mean: the knowledge the model and the rules share.
//!
//! Names are matched on the qualified name the model resolves (`os.system`,
//! `subprocess.Popen`, `socket.socket().connect`), never on source text.
//! Tables of known APIs are spelled as code writes them and compared with
//! [`QualName::as_str`]; markers (calls, unknown receivers) are only ever
//! inspected through [`QualName::segments`].

use std::sync::LazyLock;

use super::{QualName, Segment};

pub use super::credential_names::{
    is_credential_name, is_credential_variable, is_wallet_secret_name,
};

/// Python builtins that matter to the analysis (a bare name resolves to
/// `builtins.<name>` only when nothing in scope shadows it).
pub const BUILTINS: &[&str] = &[
    "oct",
    "hex",
    "bin",
    "abs",
    "len",
    "min",
    "max",
    "sum",
    "int",
    "float",
    "repr",
    "ascii",
    "sorted",
    "zip",
    "range",
    "enumerate",
    "iter",
    "next",
    "any",
    "all",
    "id",
    "hash",
    "isinstance",
    "callable",
    "divmod",
    "pow",
    "round",
    "format",
    "copyright",
    "credits",
    "license",
    "object",
    "bool",
    "set",
    "frozenset",
    "__import__",
    "exec",
    "eval",
    "compile",
    "open",
    "getattr",
    "setattr",
    "globals",
    "locals",
    "vars",
    "chr",
    "ord",
    "bytes",
    "bytearray",
    "str",
    "list",
    "tuple",
    "reversed",
    "input",
    "print",
    "map",
    "filter",
    "dict",
    "execfile",
    "memoryview",
    "type",
];

/// The qualified name of one of [`BUILTINS`] (`len` → `builtins.len`),
/// made once for all: a bare builtin is read in nearly every function.
pub(super) fn builtin(name: &str) -> Option<&'static QualName> {
    static NAMES: LazyLock<rustc_hash::FxHashMap<&'static str, QualName>> = LazyLock::new(|| {
        BUILTINS
            .iter()
            .map(|&name| (name, QualName::builtin(name)))
            .collect()
    });
    NAMES.get(name)
}

/// Calls that run a process (or a shell).
pub fn is_process(name: &QualName) -> bool {
    name.api_classes().is_process()
}

/// The table behind [`is_process`].
pub(super) fn runs_process(name: &str) -> bool {
    // Every entry below starts with one of these modules: most names are
    // told apart by their first component alone (a hot path: every call,
    // several rules).
    if !matches!(
        head(name),
        "os" | "pty" | "commands" | "platform" | "asyncio" | "subprocess" | "pip" | "sh"
    ) {
        return false;
    }
    const EXACT: &[&str] = &[
        "os.system",
        "os.popen",
        "os.popen2",
        "os.popen3",
        "os.startfile",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "commands.getoutput",
        "commands.getstatusoutput",
        "platform.popen",
        "asyncio.create_subprocess_shell",
        "asyncio.create_subprocess_exec",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "pip.main",
        "pip._internal.main",
        "pip._internal.cli.main.main",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
    ];
    EXACT.contains(&name)
        || name.starts_with("os.exec")
        || name.starts_with("os.spawn")
        || name.starts_with("sh.")
}

/// Calls that run a shell command line given as one string.
pub fn is_shell(name: &QualName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "os.system"
            | "os.popen"
            | "commands.getoutput"
            | "subprocess.getoutput"
            | "subprocess.getstatusoutput"
            | "asyncio.create_subprocess_shell"
            | "platform.popen"
    )
}

/// Calls that open a network connection or send/receive over one.
pub fn is_network(name: &QualName) -> bool {
    name.api_classes().is_network()
}

/// The tables behind [`is_network`].
pub(super) fn uses_network(name: &str) -> bool {
    // Every prefix and name below starts with one of these modules: most
    // names are told apart by their first component alone (a hot path:
    // every call, in the walker, the flows and many rules).
    if !matches!(
        head(name),
        "requests"
            | "httpx"
            | "aiohttp"
            | "urllib3"
            | "http"
            | "httplib"
            | "ftplib"
            | "smtplib"
            | "telnetlib"
            | "paramiko"
            | "pycurl"
            | "websocket"
            | "websockets"
            | "dns"
            | "discord_webhook"
            | "telebot"
            | "tornado"
            | "urllib"
            | "urllib2"
            | "socket"
            | "webbrowser"
            | "dulwich"
            | "git"
            | "pygit2"
    ) {
        return false;
    }
    const PREFIXES: &[&str] = &[
        "requests.",
        "httpx.",
        "aiohttp.",
        "urllib3.",
        "http.client.",
        "httplib.",
        "ftplib.",
        "smtplib.",
        "telnetlib.",
        "paramiko.",
        "pycurl.",
        "websocket.",
        "websockets.",
        "dns.resolver.",
        "discord_webhook.",
        "telebot.",
        "tornado.httpclient.",
    ];
    const EXACT: &[&str] = &[
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.request.Request",
        "urllib.request.build_opener",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "urllib2.Request",
        "socket.create_connection",
        "socket.socket().connect",
        "socket.socket().connect_ex",
        "socket.socket().send",
        "socket.socket().sendall",
        "socket.socket().sendto",
        "socket.socket().recv",
        "socket.socket().recvfrom",
        "socket.socket().recv_into",
        "socket.create_connection().recv",
        "socket.gethostbyname",
        "socket.getaddrinfo",
        "socket.create_connection().send",
        "socket.create_connection().sendall",
        "webbrowser.open",
        // Git clients that fetch a repository.
        "dulwich.porcelain.clone",
        "dulwich.porcelain.pull",
        "dulwich.porcelain.fetch",
        "git.Repo.clone_from",
        "pygit2.clone_repository",
    ];
    // `aiohttp.web` serves (routes, `run_app`); it connects to no one.
    EXACT.contains(&name)
        || (PREFIXES.iter().any(|p| name.starts_with(p)) && !name.starts_with("aiohttp.web"))
}

/// The text before the first `.` (all of it when there is none).
fn head(name: &str) -> &str {
    let end = name.bytes().position(|b| b == b'.').unwrap_or(name.len());
    &name[..end]
}

/// Calls whose result is data read from the network.
pub fn is_network_read(name: &QualName) -> bool {
    is_network(name) && !name.is_attribute("send") && !name.is_attribute("sendall")
}

/// Calls that download a URL straight to a file.
pub fn is_download_to_file(name: &QualName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "urllib.request.urlretrieve" | "urllib.urlretrieve" | "wget.download"
    )
}

/// Calls that execute Python code given as a value.
pub fn is_code_exec(name: &QualName) -> bool {
    name.api_classes().is_code_exec()
}

/// The table behind [`is_code_exec`].
pub(super) fn runs_code(name: &str) -> bool {
    matches!(
        name,
        "builtins.exec"
            | "builtins.eval"
            | "builtins.compile"
            | "builtins.execfile"
            | "types.FunctionType"
            | "code.InteractiveInterpreter().runsource"
            | "code.InteractiveInterpreter().runcode"
            | "runpy.run_path"
    )
}

/// One decoding layer a call applies, when it is a decoder.
pub fn decoder(qual: &QualName) -> Option<Decoder> {
    let name = qual.as_str();
    Some(match name {
        "base64.b64decode"
        | "base64.decodebytes"
        | "base64.decodestring"
        | "base64.standard_b64decode"
        | "binascii.a2b_base64" => Decoder::Base64,
        "base64.urlsafe_b64decode" => Decoder::Base64Url,
        "base64.b32decode" => Decoder::Base32,
        "base64.b16decode" | "binascii.unhexlify" | "binascii.a2b_hex" | "bytes.fromhex"
        | "bytearray.fromhex" => Decoder::Hex,
        "base64.b85decode" => Decoder::Base85,
        "base64.a85decode" => Decoder::Ascii85,
        "zlib.decompress" => Decoder::Zlib,
        "gzip.decompress" => Decoder::Gzip,
        "bz2.decompress" => Decoder::Bz2,
        "lzma.decompress" => Decoder::Lzma,
        "marshal.loads" => Decoder::Marshal,
        "pickle.loads" | "cPickle.loads" | "dill.loads" => Decoder::Pickle,
        "Crypto.Cipher.AES.new().decrypt" | "Cryptodome.Cipher.AES.new().decrypt" => {
            Decoder::Decrypt
        }
        // `cryptography.fernet`, the `fernet` package, vendored copies.
        _ if is_method_of_a(qual, "Fernet", "decrypt") => Decoder::Decrypt,
        _ => return None,
    })
}

/// A decoding layer, named in JSON as [`Decoder::as_str`] names it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Decoder {
    Base64,
    Base64Url,
    Base32,
    Base85,
    Ascii85,
    Hex,
    Zlib,
    Gzip,
    Bz2,
    Lzma,
    Rot13,
    /// Code objects: not decodable to source here, but their strings are.
    Marshal,
    Pickle,
    /// Decryption with a key: tainted as decoded, not decrypted here.
    #[serde(rename = "decryption")]
    Decrypt,
}

impl Decoder {
    pub const fn as_str(self) -> &'static str {
        match self {
            Decoder::Base64 => "base64",
            Decoder::Base64Url => "base64url",
            Decoder::Base32 => "base32",
            Decoder::Base85 => "base85",
            Decoder::Ascii85 => "ascii85",
            Decoder::Hex => "hex",
            Decoder::Zlib => "zlib",
            Decoder::Gzip => "gzip",
            Decoder::Bz2 => "bz2",
            Decoder::Lzma => "lzma",
            Decoder::Rot13 => "rot13",
            Decoder::Marshal => "marshal",
            Decoder::Pickle => "pickle",
            Decoder::Decrypt => "decryption",
        }
    }

    /// The codec names `codecs.decode(x, NAME)` accepts for this layer.
    pub fn from_codec(codec: &str) -> Option<Decoder> {
        Some(
            match codec.to_ascii_lowercase().replace('-', "_").as_str() {
                "base64" | "base_64" | "base64_codec" => Decoder::Base64,
                "hex" | "hex_codec" => Decoder::Hex,
                "zlib" | "zip" | "zlib_codec" => Decoder::Zlib,
                "bz2" | "bz2_codec" => Decoder::Bz2,
                "rot13" | "rot_13" => Decoder::Rot13,
                _ => return None,
            },
        )
    }
}

/// Calls that write or move files.
pub fn is_file_write(qual: &QualName) -> bool {
    let name = qual.as_str();
    matches!(
        name,
        "shutil.copy"
            | "shutil.copyfile"
            | "shutil.copy2"
            | "shutil.move"
            | "shutil.copytree"
            | "os.rename"
            | "os.replace"
            | "os.chmod"
            | "os.symlink"
            | "pathlib.Path().write_text"
            | "pathlib.Path().write_bytes"
    ) || qual.is_attribute("write_text")
        || qual.is_attribute("write_bytes")
}

/// Calls that copy files or folders, or pack them into an archive
/// (`shutil.copy`, `shutil.copytree`, `shutil.make_archive`).
pub fn copies_files(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "shutil.copy"
            | "shutil.copy2"
            | "shutil.copyfile"
            | "shutil.copytree"
            | "shutil.make_archive"
    )
}

/// Calls that copy files or write them into an archive (`shutil.copy`,
/// `zipfile.ZipFile().write`, `tarfile.open().add`).
pub fn copies_or_archives_files(name: &QualName) -> bool {
    name.api_classes().copies_or_archives_files()
}

/// The tables behind [`copies_or_archives_files`].
pub(super) fn stages_files(name: &QualName) -> bool {
    copies_files(name)
        || ((name.is_in("zipfile") || name.is_in("tarfile"))
            && matches!(name.last_name(), Some("write" | "add" | "writestr")))
}

/// Libraries whose callers hand them credentials or traffic: network
/// clients, process launchers, password prompts, wallet and key
/// libraries, cloud SDKs. A package function installed in place of one
/// of their functions, classes or modules receives what the user's own
/// code hands to it.
const INTERCEPTABLE: &[&str] = &[
    "aiohttp",
    "boto3",
    "botocore",
    "eth_account",
    "ftplib",
    "getpass",
    "http",
    "httplib",
    "httpx",
    "mnemonic",
    "paramiko",
    "requests",
    "smtplib",
    "socket",
    "solana",
    "solders",
    "ssl",
    "subprocess",
    "urllib",
    "urllib2",
    "urllib3",
    "web3",
];

/// Whether replacing `name` (`requests.Session.request`, `getpass.getpass`,
/// `socket.socket`) intercepts credentials or traffic.
pub fn is_interceptable(name: &QualName) -> bool {
    name.top_module()
        .is_some_and(|m| INTERCEPTABLE.contains(&m))
}

/// Calls whose result is the value of an environment variable or the environment.
pub fn is_env_read(name: &QualName) -> bool {
    let name = name.as_str();
    matches!(
        name,
        "os.getenv" | "os.environ.get" | "os.environ.copy" | "os.environ.items"
    )
}

/// The module the walker gives a web handler's `request` parameter (a
/// Django or Starlette view's): not a name Python code can spell.
pub const HANDLER_REQUEST: &str = "<handler>";

/// Decorators that make a function a web route: a framework's `route`,
/// `get`, `post`, … (`fastapi.FastAPI().post()`, `flask.Blueprint().route()`,
/// `bottle.get()`), Django REST framework's `api_view()`, and Django's
/// view decorators (`csrf_exempt`, `require_POST`). Every parameter of a
/// route but its `request` is a value the client chooses.
pub fn is_route_decorator(qual: &QualName) -> bool {
    const FRAMEWORKS: &[&str] = &[
        "flask",
        "fastapi",
        "starlette",
        "quart",
        "sanic",
        "bottle",
        "litestar",
        "aiohttp",
        "falcon",
        "django",
        "rest_framework",
        "ninja",
    ];
    const VERBS: &[&str] = &[
        "route",
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "api_route",
        "websocket",
        "head",
        "options",
    ];
    let Some(root) = qual.names().next() else {
        return false;
    };
    if !FRAMEWORKS.contains(&root) {
        return false;
    }
    let verb = match qual.segments() {
        [.., Segment::Name(verb), Segment::Called] => Some(&**verb),
        _ => None,
    };
    verb.is_some_and(|v| VERBS.contains(&v))
        || matches!(
            qual.as_str(),
            "rest_framework.decorators.api_view()"
                | "django.views.decorators.csrf.csrf_exempt"
                | "django.views.decorators.http.require_POST"
                | "django.views.decorators.http.require_GET"
                | "django.views.decorators.http.require_safe"
                | "django.views.decorators.http.require_http_methods()"
        )
}

/// The parts of an incoming web request a client chooses, read through a
/// framework's request object (`flask.request.args`, `bottle.request.forms`)
/// or a view's `request` parameter (`request.GET`, `request.query_params`).
pub fn is_inbound_request(qual: &QualName) -> bool {
    let mut names = qual.names();
    let (Some(framework), Some("request"), Some(part)) = (names.next(), names.next(), names.next())
    else {
        return false;
    };
    matches!(framework, "flask" | "quart" | "bottle" | HANDLER_REQUEST)
        && matches!(
            part,
            "args"
                | "GET"
                | "POST"
                | "FILES"
                | "COOKIES"
                | "META"
                | "query_params"
                | "path_params"
                | "form"
                | "forms"
                | "values"
                | "json"
                | "data"
                | "get_json"
                | "get_data"
                | "files"
                | "headers"
                | "cookies"
                | "query"
                | "params"
                | "body"
                | "stream"
        )
}

/// Keys and tokens an SDK holds for the user, read from it: module-level
/// keys (`openai.api_key`, `stripe.api_key`), a client's credentials
/// (`boto3.client("s3")._request_signer._credentials`), and token getters
/// (`huggingface_hub.get_token()`, `HfFolder.get_token()`, an Azure
/// credential's `get_token(…)`). The SDK sends them to its own service;
/// elsewhere they are stolen.
pub fn is_sdk_token(qual: &QualName) -> bool {
    const MODULE_KEYS: &[&str] = &[
        "openai.api_key",
        "anthropic.api_key",
        "stripe.api_key",
        "cohere.api_key",
        "replicate.api_token",
        "sendgrid.api_key",
        "mistralai.api_key",
        "groq.api_key",
        "google.generativeai.api_key",
    ];
    const GETTERS: &[&str] = &[
        "huggingface_hub.get_token",
        "huggingface_hub.HfFolder.get_token",
        "huggingface_hub.HfApi().token",
    ];
    let name = qual.as_str();
    if MODULE_KEYS.contains(&name) || GETTERS.contains(&name) {
        return true;
    }
    let mut names = qual.names();
    let root = names.next();
    let last = qual.last_name();
    // `azure.identity.DefaultAzureCredential().get_token`
    (root == Some("azure") && name.starts_with("azure.identity.") && last == Some("get_token"))
        // `boto3.client("s3")._request_signer._credentials`
        || (matches!(root, Some("boto3" | "botocore"))
            && matches!(last, Some("_credentials" | "_frozen_credentials")))
}

/// Calls whose result is a secret: credentials resolved by a cloud SDK
/// (whatever file, variable or metadata endpoint they came from), entries
/// of the OS keychain, DPAPI-decrypted blobs (browser passwords and cookie
/// keys) and browser cookie jars.
pub fn is_secret_read(qual: &QualName) -> bool {
    const SDK_SESSIONS: &[&str] = &[
        "boto3.Session()",
        "boto3.session.Session()",
        "botocore.session.get_session()",
        "botocore.session.Session()",
    ];
    // `session.get_credentials()`, `….get_credentials().get_frozen_credentials()`.
    let session = match qual.segments() {
        [session @ .., Segment::Name(get)] if &**get == "get_credentials" => Some(session),
        [
            session @ ..,
            Segment::Name(get),
            Segment::Called,
            Segment::Name(frozen),
        ] if &**get == "get_credentials" && &**frozen == "get_frozen_credentials" => Some(session),
        _ => None,
    };
    if let Some(session) = session {
        return SDK_SESSIONS.contains(&QualName::spelling(session).as_str());
    }
    let name = qual.as_str();
    matches!(
        name,
        "google.auth.default"
            | "keyring.get_password"
            | "keyring.get_credential"
            | "win32crypt.CryptUnprotectData"
            | "netrc.netrc().authenticators"
    ) || name.starts_with("browser_cookie3.")
}

/// Folders and files that hold credentials or sessions, as path segments
/// (`/`-normalised, lower case): SSH keys, cloud and cluster credentials,
/// package-index and git tokens, shell history, messenger session stores,
/// wallets and browser profiles.
const CREDENTIAL_LOCATIONS: &[(&str, &str)] = &[
    (".ssh", "SSH keys"),
    (".aws", "AWS credentials"),
    (".kube", "Kubernetes credentials"),
    (".azure", "Azure credentials"),
    (".config/gcloud", "Google Cloud credentials"),
    (".docker", "Docker registry credentials"),
    (".pypirc", "package-index tokens"),
    (".npmrc", "npm tokens"),
    (".git-credentials", "git credentials"),
    (".config/gh", "GitHub CLI tokens"),
    (".netrc", "netrc passwords"),
    (".bash_history", "shell history"),
    (".zsh_history", "shell history"),
    ("telegram desktop/tdata", "Telegram sessions"),
    ("discord/local storage", "Discord tokens"),
    (".electrum", "wallet files"),
    (".bitcoin", "wallet files"),
    (".config/solana", "wallet files"),
    (".ethereum/keystore", "wallet files"),
    (".gnupg", "GPG keys"),
    ("exodus/exodus.wallet", "wallet files"),
    ("google/chrome/user data", "browser profiles"),
    (".mozilla/firefox", "browser profiles"),
];

/// The credential location a text names as a path segment, if any.
pub fn credential_location(text: &str) -> Option<&'static str> {
    let lower = text.replace('\\', "/").to_ascii_lowercase();
    CREDENTIAL_LOCATIONS.iter().find_map(|(fragment, what)| {
        lower.match_indices(fragment).find_map(|(at, _)| {
            let before = lower[..at].chars().next_back();
            let after = lower[at + fragment.len()..].chars().next();
            let starts = before.is_none_or(|c| matches!(c, '/' | '~' | '{' | '}'));
            let ends = after.is_none_or(|c| matches!(c, '/' | '"' | '\'' | ' ' | '}'));
            (starts && ends).then_some(*what)
        })
    })
}

/// Commands that print a credential (`gh auth token`, `git credential
/// fill`, `security find-generic-password -w`, `aws configure get
/// aws_secret_access_key`), by their words, spaces collapsed.
const TOKEN_COMMANDS: &[(&str, &str)] = &[
    ("gh auth token", "GitHub CLI tokens"),
    ("git credential fill", "git credentials"),
    ("aws configure get aws_", "AWS credentials"),
    ("aws configure export-credentials", "AWS credentials"),
    ("gcloud auth print-access-token", "Google Cloud tokens"),
    ("gcloud auth print-identity-token", "Google Cloud tokens"),
    ("az account get-access-token", "Azure tokens"),
    ("security find-generic-password", "keychain passwords"),
    ("security find-internet-password", "keychain passwords"),
    ("security dump-keychain", "keychain passwords"),
    ("kubectl config view --raw", "Kubernetes credentials"),
];

/// Places where a CI runner or a container keeps its secrets.
const CI_SECRETS: &[(&str, &str)] = &[
    ("/var/run/secrets/", "container secrets"),
    ("/run/secrets/", "container secrets"),
    ("/proc/self/environ", "the process environment"),
    ("/proc/1/environ", "the container's environment"),
    ("/tekton/", "the CI pipeline's scripts and credentials"),
];

/// What secrets a command line reads or prints, if any: a command that
/// prints a token, or one that names a credential location (`cat
/// ~/.ssh/id_rsa`, `tar czf x.tgz ~/.aws`) or a place where a CI runner or
/// a container keeps its secrets (`/var/run/secrets/…`,
/// `/proc/self/environ`, Tekton's `/tekton/…`).
pub fn secret_command(cmd: &str) -> Option<&'static str> {
    let lower = cmd.to_ascii_lowercase();
    token_command(cmd)
        .or_else(|| {
            CI_SECRETS
                .iter()
                .find(|(place, _)| lower.contains(place))
                .map(|(_, what)| *what)
        })
        .or_else(|| credential_location(cmd))
}

/// What a command that prints a credential prints, if it is one (`gh auth
/// token`, `git credential fill`), by its words, quotes and extra spaces
/// aside.
pub fn token_command(cmd: &str) -> Option<&'static str> {
    let words: Vec<String> = cmd
        .split_whitespace()
        .map(|w| w.trim_matches(['"', '\'']).to_ascii_lowercase())
        .collect();
    let line = words.join(" ");
    TOKEN_COMMANDS
        .iter()
        .find(|(needle, _)| line.contains(needle))
        .map(|(_, what)| *what)
}

/// File names that hold secrets by what they are called, as a walk or a
/// glob picks them: dotenv files, SSH private keys, package-registry, git
/// and database credentials, netrc, wallet and browser password stores
/// (`.env`, `*.env`, `.env.production`, `id_rsa`, `.npmrc`, `wallet.dat`).
pub fn is_credential_file_name(text: &str) -> bool {
    let name = text
        .trim()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim_start_matches('*')
        .to_ascii_lowercase();
    matches!(
        name.as_str(),
        ".env"
            | ".envrc"
            | "id_rsa"
            | "id_dsa"
            | "id_ecdsa"
            | "id_ed25519"
            | ".npmrc"
            | ".pypirc"
            | ".git-credentials"
            | ".netrc"
            | "_netrc"
            | ".pgpass"
            | "wallet.dat"
            | "login data"
            | "logins.json"
            | "key4.db"
    ) || (name.starts_with(".env.") && name.len() > ".env.".len())
        || (name.starts_with(".env") && name.len() == ".env".len() + 1)
}

/// Calls that read a file through the path they are given or called on
/// (`open(p)`, `p.read_text()`, `Path(p).read_bytes()`).
pub fn reads_file(qual: &QualName) -> bool {
    matches!(
        qual.as_str(),
        "builtins.open" | "io.open" | "codecs.open" | "aiofiles.open"
    ) || matches!(qual.last_name(), Some("read_text" | "read_bytes"))
        || (qual.last_name() == Some("open") && qual.segments().len() > 1)
}

/// Calls whose result is derived from a secret without revealing it: a
/// hash, an HMAC, a signature (`hashlib.sha256`, `hmac.new`,
/// `account.sign_transaction`, a local `sign()`).
pub fn derives_from_secret(qual: &QualName) -> bool {
    // The last segment that is not called: a name, or the unknown receiver.
    let segments = qual.segments();
    let last = segments.iter().enumerate().rev().find_map(|(i, s)| {
        let called = segments.get(i + 1) == Some(&Segment::Called);
        match s {
            Segment::Name(n) if !n.is_empty() && !called => Some(&**n),
            Segment::Unknown if !called => Some("?"),
            _ => None,
        }
    });
    match last {
        Some(last) => derives(qual.as_str(), [last]),
        // Every name is called (`sign()()`): any of them.
        None => derives(qual.as_str(), qual.names()),
    }
}

/// [`derives_from_secret`] of the package function `local` (`sign`,
/// `Signer.sign`), without building its qualified name.
pub fn local_derives_from_secret(local: &str) -> bool {
    let last = local.rsplit('.').find(|n| !n.is_empty());
    derives(local, last)
}

/// A value made by `name` (spelled `text`) is derived from a secret: a
/// hash, digest or signature, judged by the `names` given (the last
/// uncalled one, or all).
fn derives<'n>(text: &str, names: impl IntoIterator<Item = &'n str>) -> bool {
    // A token signed with the key (`jwt.encode(claims, key)`) proves
    // possession without carrying the key.
    text.starts_with("hashlib.")
        || text.starts_with("hmac.")
        || text.starts_with("jwt.")
        || text.starts_with("jose.")
        || names.into_iter().any(|n| {
            contains_ignoring_case(n, "sign")
                || contains_ignoring_case(n, "digest")
                || contains_ignoring_case(n, "hash")
        })
}

/// `text` contains `needle` (lower case, ASCII) in any ASCII case.
fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Files that hold cloud and developer credentials, as path fragments
/// (matched on `/`-normalised, lower-cased strings).
pub const CREDENTIAL_PATHS: &[(&str, &str)] = &[
    (".aws/credentials", "AWS credentials"),
    (".aws/config", "AWS configuration"),
    (".config/gcloud/credentials.db", "Google Cloud credentials"),
    (
        ".config/gcloud/access_tokens.db",
        "Google Cloud access tokens",
    ),
    (
        ".config/gcloud/legacy_credentials",
        "Google Cloud credentials",
    ),
    (
        "application_default_credentials.json",
        "Google Cloud credentials",
    ),
    (".azure/accesstokens.json", "Azure access tokens"),
    (".azure/msal_token_cache", "Azure token cache"),
    (".azure/azureprofile.json", "Azure profile"),
    (".kube/config", "Kubernetes credentials"),
    (".docker/config.json", "Docker registry credentials"),
    (".aliyun/config.json", "Alibaba Cloud credentials"),
    (".tccli/", "Tencent Cloud credentials"),
];

/// Cloud instance metadata endpoints (they hand out credentials to whoever
/// asks from inside the instance).
pub const METADATA_HOSTS: &[(&str, &str)] = &[
    ("169.254.169.254", "cloud instance metadata"),
    ("169.254.170.2", "AWS container credentials"),
    ("metadata.google.internal", "Google Cloud metadata"),
    ("100.100.100.200", "Alibaba Cloud metadata"),
    ("fd00:ec2::254", "AWS IPv6 instance metadata"),
    ("metadata.tencentyun.com", "Tencent Cloud metadata"),
];

/// The credential store or endpoint a string names, if any. Matched
/// without allocating (ASCII case-insensitively, `\\` taken as `/`):
/// the rules ask this of every string in a package.
pub fn credential_target(text: &str) -> Option<&'static str> {
    static MATCHER: std::sync::LazyLock<aho_corasick::AhoCorasick> =
        std::sync::LazyLock::new(|| {
            let needles = CREDENTIAL_PATHS
                .iter()
                .chain(METADATA_HOSTS)
                .flat_map(|(needle, _)| [needle.to_string(), needle.replace('/', "\\")]);
            aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(needles)
                .expect("credential patterns compile")
        });
    let found = MATCHER.find(text)?;
    let index = found.pattern().as_usize() / 2;
    CREDENTIAL_PATHS
        .iter()
        .chain(METADATA_HOSTS)
        .nth(index)
        .map(|(_, what)| *what)
}

/// Services that answer with the caller's public address or location
/// (what a probe or a stealer learns about its victim), by host, with
/// the path prefix that answers when the host serves other pages too.
const ADDRESS_LOOKUPS: &[(&str, &str)] = &[
    ("api.ipify.org", ""),
    ("api64.ipify.org", ""),
    ("ipinfo.io", ""),
    ("ip-api.com", ""),
    ("ipapi.co", ""),
    ("ipwho.is", ""),
    ("ifconfig.me", ""),
    ("ifconfig.co", ""),
    ("icanhazip.com", ""),
    ("ipv4.icanhazip.com", ""),
    ("checkip.amazonaws.com", ""),
    ("ident.me", ""),
    ("api.myip.com", ""),
    ("wtfismyip.com", ""),
    ("httpbin.org", "/ip"),
];

/// Does the URL ask a service for the caller's public address or
/// location?
pub fn is_address_lookup(url: &str) -> bool {
    let Some((_, rest)) = url.split_once("://") else {
        return false;
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..end].rsplit('@').next().unwrap_or("");
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    let path = &rest[end..];
    ADDRESS_LOOKUPS
        .iter()
        .any(|(h, prefix)| host == *h && path.starts_with(prefix))
}

/// Calls that list a folder's entries (`os.walk`, `os.listdir`,
/// `glob.glob`, `Path.rglob`).
pub fn is_listing(qual: &QualName) -> bool {
    let name = qual.as_str();
    let last = qual.last_name();
    matches!(
        name,
        "os.walk" | "os.fwalk" | "os.scandir" | "os.listdir" | "glob.glob" | "glob.iglob"
    ) || (name.starts_with("pathlib.")
        && matches!(last, Some("rglob" | "glob" | "iterdir" | "walk")))
}

/// Does a path name where the user keeps their own files: the home folder
/// (`~`, `/home/NAME`, `C:\Users\NAME`), its documents, desktop,
/// downloads or pictures, or a phone's shared storage (`/sdcard`)?
pub fn is_user_files_root(path: &str) -> bool {
    let lower = path.trim().replace('\\', "/").to_ascii_lowercase();
    let lower = lower.trim_end_matches('/');
    lower == "~"
        || lower.starts_with("~/")
        || lower == "/sdcard"
        || lower.starts_with("/sdcard/")
        || lower.starts_with("/storage/emulated")
        || ["/desktop", "/documents", "/downloads", "/pictures", "/dcim"]
            .iter()
            .any(|f| lower.ends_with(f))
        || (lower.starts_with("/home/") && lower.matches('/').count() == 2)
        || (lower.starts_with("c:/users/") && lower.matches('/').count() == 2)
}

/// Does a prompt ask the user for a credential (`Enter your password`,
/// `type 12 seed phrases`, `private key:`)?
pub fn asks_for_credential(prompt: &str) -> bool {
    const WORDS: &[&str] = &[
        "password",
        "passphrase",
        "passcode",
        "seed phrase",
        "seed words",
        "mnemonic",
        "recovery phrase",
        "private key",
        "secret key",
        "api key",
        "access token",
        "auth token",
    ];
    let lower = prompt.to_lowercase().replace(['_', '-'], " ");
    WORDS.iter().any(|w| lower.contains(w)) || (lower.contains("seed") && lower.contains("phrase"))
}

/// Does the text name a cloud metadata endpoint?
pub fn is_metadata_endpoint(text: &str) -> bool {
    credential_target(text).is_some_and(|what| METADATA_HOSTS.iter().any(|(_, w)| *w == what))
}

/// Calls that read, copy or fetch what their argument names (as opposed
/// to building a path or looking up a variable).
pub fn is_access(qual: &QualName) -> bool {
    let name = qual.as_str();
    is_network(qual)
        || is_process(qual)
        || is_config_load(qual)
        || matches!(
            name,
            "builtins.open"
                | "io.open"
                | "codecs.open"
                | "str.open"
                | "str.read_text"
                | "str.read_bytes"
                | "shutil.copy"
                | "shutil.copyfile"
                | "shutil.copy2"
                | "shutil.copytree"
                | "sqlite3.connect"
                | "zipfile.ZipFile().write"
                | "tarfile.open().add"
        )
}

/// `…ConfigParser().read`: a configuration file loaded into a parser.
fn is_config_load(name: &QualName) -> bool {
    is_method_of_a(name, "ConfigParser", "read")
}

/// A method of an instance of a class whose name ends with `class`
/// (`cryptography.fernet.Fernet().decrypt`, `MultiFernet().decrypt`).
pub fn is_method_of_a(name: &QualName, class: &str, method: &str) -> bool {
    name.method_of_result().is_some_and(|(called, m)| {
        m == method && called.last_name().is_some_and(|c| c.ends_with(class))
    })
}

/// Shell programs a reverse shell hands the socket to.
pub fn is_shell_program(text: &str) -> bool {
    let t = text
        .trim()
        .trim_start_matches("/usr")
        .trim_start_matches("/bin/");
    let first = t.split_whitespace().next().unwrap_or("");
    let first = first.rsplit('/').next().unwrap_or(first);
    matches!(
        first,
        "sh" | "bash"
            | "zsh"
            | "dash"
            | "ksh"
            | "cmd"
            | "cmd.exe"
            | "powershell"
            | "powershell.exe"
            | "pwsh"
    )
}

/// What a call captures from the user's session (for the collection rules
/// and the `COLLECTED` taint of what it returns).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Capture {
    /// A screenshot.
    Screen,
    /// The clipboard's content.
    Clipboard,
    /// Keystrokes: a keyboard hook, listener or key-state poll.
    Keystrokes,
}

/// The capture a call makes, if any: screenshot libraries (Pillow's
/// `ImageGrab`, `pyautogui`/`pyscreeze`, `mss`, `pyscreenshot`), clipboard
/// reads (`pyperclip`, tkinter's `clipboard_get`, `win32clipboard` and the
/// Win32 `GetClipboardData`) and keyboard hooks (`pynput`, `keyboard`,
/// `pyHook`/`pyxhook`, Win32 `GetAsyncKeyState`/`SetWindowsHookEx`).
pub fn capture(qual: &QualName) -> Option<Capture> {
    qual.api_classes().capture()
}

/// The tables behind [`capture`].
pub(super) fn captures(qual: &QualName) -> Option<Capture> {
    let name = qual.as_str();
    // Every name listed below starts with one of these modules (a hot
    // path: every call the walker resolves).
    let listed = matches!(
        head(name),
        "PIL"
            | "ImageGrab"
            | "pyscreenshot"
            | "pyautogui"
            | "pyscreeze"
            | "mss"
            | "d3dshot"
            | "dxcam"
            | "pyperclip"
            | "clipboard"
            | "xerox"
            | "pyclip"
            | "klembord"
            | "pynput"
            | "keyboard"
            | "pyHook"
            | "pyWinhook"
            | "pyxhook"
    );
    let last = qual.final_name().unwrap_or_default();
    Some(match name {
        _ if !listed => return capture_by_last_name(qual, last),
        "PIL.ImageGrab.grab"
        | "ImageGrab.grab"
        | "pyscreenshot.grab"
        | "pyautogui.screenshot"
        | "pyscreeze.screenshot"
        | "mss.mss"
        | "mss.mss().grab"
        | "mss.mss().shot"
        | "d3dshot.create"
        | "dxcam.create" => Capture::Screen,
        "pyperclip.paste"
        | "clipboard.paste"
        | "xerox.paste"
        | "pyclip.paste"
        | "klembord.get"
        | "PIL.ImageGrab.grabclipboard" => Capture::Clipboard,
        "pynput.keyboard.Listener"
        | "pynput.keyboard.Events"
        | "keyboard.on_press"
        | "keyboard.on_release"
        | "keyboard.hook"
        | "keyboard.record"
        | "keyboard.start_recording"
        | "pyHook.HookManager"
        | "pyWinhook.HookManager"
        | "pyxhook.HookManager" => Capture::Keystrokes,
        _ => return capture_by_last_name(qual, last),
    })
}

/// What [`capture`] finds from the last names alone, whatever the module:
/// `last` is the final name that is not called or indexed.
fn capture_by_last_name(qual: &QualName, last: &str) -> Option<Capture> {
    if matches!(qual.last_name(), Some("clipboard_get" | "GetClipboardData")) {
        Some(Capture::Clipboard)
    } else if last == "GetAsyncKeyState" || last.starts_with("SetWindowsHookEx") {
        Some(Capture::Keystrokes)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_an_sdk_holds() {
        assert!(is_sdk_token(&QualName::dotted("openai.api_key")));
        assert!(is_sdk_token(&QualName::dotted("huggingface_hub.get_token")));
        assert!(is_sdk_token(
            &QualName::dotted("azure.identity.DefaultAzureCredential")
                .called()
                .attribute("get_token")
        ));
        assert!(!is_sdk_token(&QualName::dotted("openai.api_base")));
        assert!(!is_sdk_token(&QualName::dotted("mylib.get_token")));
    }

    #[test]
    fn commands_that_read_or_print_secrets() {
        assert_eq!(
            secret_command("cat ~/.ssh/id_rsa > LICENSE"),
            Some("SSH keys")
        );
        assert_eq!(
            secret_command("cat /var/run/secrets/kubernetes.io/serviceaccount/token"),
            Some("container secrets")
        );
        assert_eq!(
            secret_command("cat /tekton/scripts/* >> out"),
            Some("the CI pipeline's scripts and credentials")
        );
        assert_eq!(
            secret_command("tar czf b.tgz ~/.aws"),
            Some("AWS credentials")
        );
        assert_eq!(secret_command("make -C build install"), None);
        assert_eq!(secret_command("cat /proc/cpuinfo"), None);
        assert_eq!(secret_command("ssh-keygen -t ed25519"), None);
        assert_eq!(secret_command("gh  auth token"), Some("GitHub CLI tokens"));
        assert_eq!(
            secret_command("security find-generic-password -s 'Chrome Safe Storage' -w"),
            Some("keychain passwords")
        );
        assert_eq!(secret_command("aws configure get region"), None);
        assert_eq!(secret_command("gh auth status"), None);
    }

    #[test]
    fn credential_targets() {
        assert_eq!(
            credential_target("~/.aws/credentials"),
            Some("AWS credentials")
        );
        assert_eq!(
            credential_target("C:\\Users\\x\\.AWS\\Credentials"),
            Some("AWS credentials")
        );
        assert_eq!(
            credential_target("http://169.254.169.254/latest/"),
            Some("cloud instance metadata")
        );
        assert_eq!(credential_target("~/.config/readme"), None);
    }
}
