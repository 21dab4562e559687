//! Taint labels: where a value came from.
//!
//! A [`Taint`] is a bitset. The low sixteen bits are *sources* (data read
//! from somewhere that matters; all sixteen are in use); the bits above are
//! *symbolic*: while a
//! function body is walked, its parameter `i` carries [`param`]`(i)` and an
//! attribute of `self` it reads carries [`field`]`(k)`, so a sink reached by
//! those bits says which parameter or field of the function reaches it
//! (the function's summary, `crate::flows`); the result of calling a
//! package function that another module defines carries [`imported`]`(k)`
//! until the package is linked. Symbolic bits never leave
//! the walker in [`super::Value::taint`]: they are reported apart, as
//! [`super::Value::params`], [`super::Value::fields`] and
//! [`super::Value::imports`].

/// A set of taint labels.
pub type Taint = u64;

/// Decoded from base64/base32/base85/hex/zlib/gzip/bz2/lzma/marshal/rot13.
pub const DECODED: Taint = 1;
/// Read from the network.
pub const NETWORK: Taint = 1 << 1;
/// Read from a credential file or store.
pub const SECRET: Taint = 1 << 2;
/// Read from the environment.
pub const ENV: Taint = 1 << 3;
/// Host details: user, host name, addresses, working directory.
pub const HOST_INFO: Taint = 1 << 4;
/// Read from a cloud instance metadata endpoint.
pub const METADATA: Taint = 1 << 5;
/// The whole environment (`os.environ` itself, `os.environ.copy()`,
/// `dict(os.environ)`), not one variable: every secret it holds.
pub const ENV_ALL: Taint = 1 << 6;
/// Captured from the user's session: a screenshot, the clipboard,
/// keystrokes ([`super::names::capture`]).
pub const COLLECTED: Taint = 1 << 7;
/// Typed in by the user at a prompt that asks for a credential (a
/// password, a wallet's seed phrase or private key, an API token).
pub const PROMPTED: Taint = 1 << 8;
/// Paths of the user's own files, listed from their home, its documents,
/// desktop, downloads or pictures, or a phone's shared storage.
pub const USER_FILES: Taint = 1 << 9;
/// Sent to a web server the package runs: an incoming request's
/// arguments, form, body, files, headers or cookies. Whoever can reach
/// the server chooses it. Not [`NETWORK`]: a server is asked, it does
/// not fetch.
pub const INBOUND: Taint = 1 << 10;
/// An environment variable named as a credential (`AWS_SECRET_ACCESS_KEY`,
/// `GITHUB_TOKEN`, `OPENAI_API_KEY`): a key the user gave to their own
/// tools. Also [`ENV`]. Not [`SECRET`]: SDKs read such variables and send
/// them to their own service all the time; only where they go tells.
pub const ENV_SECRET: Taint = 1 << 11;
/// The path of a file picked by a credential file name (a walk that keeps
/// `.env`, `id_rsa`, `.npmrc`): what is read through it is [`SECRET`].
pub const CREDENTIAL_PATH: Taint = 1 << 12;
/// Text that labels an unknown part as a credential (`f"Token: {t}\nPass:
/// {p}"`): whatever fills it, the code says it is one.
pub const LABELLED_SECRET: Taint = 1 << 13;
/// What the callers of a library hand to a function the package installed
/// in that library's place (`requests.Session.request = spy`,
/// `getpass.getpass = ask`): the user's requests, headers, commands,
/// passwords or keys, intercepted. Carried by the replacement's
/// parameters.
pub const INTERCEPTED: Taint = 1 << 15;
/// A token a tool or an SDK holds for the user: what a command that prints
/// a credential printed (`gh auth token`, `security find-generic-password
/// -w`), or a key read from an SDK (`openai.api_key`,
/// `huggingface_hub.get_token()`). Tools built on it send it to that
/// tool's service.
pub const TOOL_TOKEN: Taint = 1 << 14;

/// Credentials known by their name, not by where they were read: an
/// environment variable named for one, text labelled as one, a tool's
/// token. They count when they go where the package's own service is not.
pub const CARRIED_SECRET: Taint = ENV_SECRET | LABELLED_SECRET | TOOL_TOKEN;

/// Every source label.
pub const SOURCES: Taint = 0xffff;

/// Parameters of one function that get a bit of their own; later ones get
/// none (their flows are not summarised).
pub const MAX_PARAMS: usize = 16;
const PARAM_SHIFT: u32 = 16;
/// Attributes of `self` per class that get a bit of their own.
pub const MAX_FIELDS: usize = 8;
const FIELD_SHIFT: u32 = PARAM_SHIFT + MAX_PARAMS as u32;

/// Package functions of other modules, per file, whose results get a bit
/// of their own (`from .keys import read_key; read_key()`); later ones get
/// none. Linking the package ([`crate::flows::returns`]) replaces the bit
/// by the sources that function returns.
pub const MAX_IMPORTED: usize = 24;
const IMPORTED_SHIFT: u32 = FIELD_SHIFT + MAX_FIELDS as u32;

/// Every symbolic bit (parameters, fields and imported results).
pub const SYMBOLIC: Taint = !SOURCES;

/// The bits that stand for the parameters and fields of the function
/// being walked: a body walked for another function drops them. The bits
/// of imported results mean the same in every function of the file.
pub const FUNCTION_SYMBOLIC: Taint = ((1 << IMPORTED_SHIFT) - 1) & !SOURCES;

/// Every bit of an imported result ([`imported`]).
pub const IMPORTED: Taint = !((1 << IMPORTED_SHIFT) - 1);

/// The bit of parameter `i` of the function being walked.
pub const fn param(i: usize) -> Taint {
    if i < MAX_PARAMS {
        1 << (PARAM_SHIFT + i as u32)
    } else {
        0
    }
}

/// The bit of field `k` (see [`super::FieldStore`]) of the class whose
/// method is walked.
pub const fn field(k: usize) -> Taint {
    if k < MAX_FIELDS {
        1 << (FIELD_SHIFT + k as u32)
    } else {
        0
    }
}

/// The bit of the result of the `k`th package function of another module
/// the file calls ([`super::FileAnalysis::imported_calls`]).
pub const fn imported(k: usize) -> Taint {
    if k < MAX_IMPORTED {
        1 << (IMPORTED_SHIFT + k as u32)
    } else {
        0
    }
}

/// The imported results a taint carries, as a bitset over their indexes.
pub const fn imported_of(taint: Taint) -> u32 {
    (taint >> IMPORTED_SHIFT) as u32
}

/// The parameters a taint carries, as a bitset over parameter indexes.
pub const fn params_of(taint: Taint) -> u16 {
    (taint >> PARAM_SHIFT) as u16
}

/// The fields a taint carries, as a bitset over field indexes.
pub const fn fields_of(taint: Taint) -> u8 {
    (taint >> FIELD_SHIFT) as u8
}

/// Indexes of the bits set in a bitset.
pub fn indexes(bits: u32) -> impl Iterator<Item = usize> {
    (0..32).filter(move |i| bits & (1 << i) != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbolic_bits_do_not_overlap_sources() {
        assert_eq!(param(0) & SOURCES, 0);
        assert_eq!(field(MAX_FIELDS - 1) & param(MAX_PARAMS - 1), 0);
        assert_eq!(params_of(param(3) | SECRET), 1 << 3);
        assert_eq!(fields_of(field(2) | param(15)), 1 << 2);
        assert_eq!(param(MAX_PARAMS), 0);
        assert_eq!(indexes(0b1010).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!(imported(0) & (SOURCES | field(MAX_FIELDS - 1)), 0);
        assert_eq!(imported(MAX_IMPORTED - 1), 1 << 63);
        assert_eq!(imported(MAX_IMPORTED), 0);
        assert_eq!(imported_of(imported(5) | field(1) | SECRET), 1 << 5);
        assert_eq!(FUNCTION_SYMBOLIC & imported(0), 0);
        assert_eq!(IMPORTED | FUNCTION_SYMBOLIC | SOURCES, Taint::MAX);
        assert_eq!(
            IMPORTED & imported(MAX_IMPORTED - 1),
            imported(MAX_IMPORTED - 1)
        );
        assert_eq!(
            FUNCTION_SYMBOLIC,
            (0..MAX_PARAMS)
                .map(param)
                .chain((0..MAX_FIELDS).map(field))
                .fold(0, |a, b| a | b)
        );
    }
}
