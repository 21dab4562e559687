//! Names that hold a credential: parameters, attributes, keywords, dict
//! keys and environment variables (`secret_access_key`, `apiKey`,
//! `GITHUB_TOKEN`, `mnemonic`), compared folded (without `_` and `-`, in
//! ASCII lower case).

/// Parameter names that hold a crypto wallet's private key or recovery
/// phrase (`private_key`, `privateKey`, `mnemonic`, `seed_phrase`).
pub fn is_wallet_secret_name(name: &str) -> bool {
    with_folded(name, b"_", is_wallet_secret_folded)
}

fn is_wallet_secret_folded(folded: &str) -> bool {
    WALLET_SECRETS.contains(&folded)
}

/// Parameter, attribute, keyword and key names that hold a credential:
/// access key ids and secrets, secret and API keys, tokens, passwords,
/// private keys and recovery phrases, and the `ak`/`sk` shorthand
/// (`secret_access_key`, `apiKey`, `github_token`, `db_password`).
/// Pagination and parser tokens (`next_token`, `page_token`) are not.
pub fn is_credential_name(name: &str) -> bool {
    // Most names are turned away on their last letter, before folding:
    // the flows ask this of every parameter of every function.
    let last = name.bytes().rev().find(|b| !matches!(b, b'_' | b'-'));
    if !last.is_some_and(|b| CREDENTIAL_LAST_LETTERS.contains(&b.to_ascii_lowercase())) {
        return false;
    }
    with_folded(name, b"_-", |folded| {
        is_credential_folded(folded) || is_wallet_secret_name(name)
    })
}

/// Folded credential names, whole.
const CREDENTIAL_EXACT: &[&str] = &[
    "ak",
    "sk",
    "pwd",
    "passwd",
    "accesskeyid",
    "secretid",
    "creds",
    "token",
    "ghtoken",
    "githubtoken",
    "pypitoken",
    "npmtoken",
];

/// Endings of folded credential names.
const CREDENTIAL_SUFFIXES: &[&str] = &[
    "secretkey",
    "accesskey",
    "apikey",
    "secret",
    "password",
    "privatekey",
    "accesstoken",
    "authtoken",
    "apitoken",
    "sessiontoken",
    "refreshtoken",
    "bearertoken",
];

/// Folded wallet secret names ([`is_wallet_secret_name`]).
const WALLET_SECRETS: &[&str] = &[
    "privatekey",
    "privkey",
    "privatekeyhex",
    "mnemonic",
    "mnemonicphrase",
    "seedphrase",
    "secretphrase",
    "recoveryphrase",
    "walletseed",
];

/// The last letter of every name in [`CREDENTIAL_EXACT`],
/// [`CREDENTIAL_SUFFIXES`] and [`WALLET_SECRETS`] (a test checks it).
const CREDENTIAL_LAST_LETTERS: &[u8] = b"kdsytnxce";

fn is_credential_folded(folded: &str) -> bool {
    const NOT_SECRET: &[&str] = &["nexttoken", "pagetoken", "continuationtoken", "synctoken"];
    if NOT_SECRET.iter().any(|n| folded.ends_with(n)) {
        return false;
    }
    CREDENTIAL_EXACT.contains(&folded) || CREDENTIAL_SUFFIXES.iter().any(|s| folded.ends_with(s))
}

/// Environment variables that hold a credential: any name
/// [`is_credential_name`] accepts, access key ids, and tokens
/// (`AWS_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`, `HF_TOKEN`,
/// `DISCORD_BOT_TOKEN`, `DB_PASSWORD`).
pub fn is_credential_variable(name: &str) -> bool {
    is_credential_name(name)
        || with_folded(name, b"_-", |folded| {
            folded.ends_with("accesskeyid")
                || (folded.ends_with("token") && !folded.ends_with("nexttoken"))
        })
}

/// Runs `f` on `name` without the characters `dropped` and in ASCII lower
/// case, folded on the stack when it is short (the credential-name tests
/// run on every parameter and key).
fn with_folded<R>(name: &str, dropped: &[u8], f: impl FnOnce(&str) -> R) -> R {
    let fold = |b: &u8| (!dropped.contains(b)).then(|| b.to_ascii_lowercase());
    let mut buffer = [0u8; 48];
    if name.len() <= buffer.len() {
        let mut len = 0;
        for b in name.as_bytes().iter().filter_map(fold) {
            buffer[len] = b;
            len += 1;
        }
        // Only ASCII bytes were dropped or changed: still UTF-8.
        if let Ok(folded) = std::str::from_utf8(&buffer[..len]) {
            return f(folded);
        }
    }
    let folded: Vec<u8> = name.as_bytes().iter().filter_map(fold).collect();
    f(&String::from_utf8_lossy(&folded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_credential_name_ends_in_a_letter_the_quick_test_lets_through() {
        for name in CREDENTIAL_EXACT
            .iter()
            .chain(CREDENTIAL_SUFFIXES)
            .chain(WALLET_SECRETS)
        {
            let last = name.as_bytes()[name.len() - 1];
            assert!(CREDENTIAL_LAST_LETTERS.contains(&last), "{name}");
            assert!(is_credential_name(name), "{name}");
        }
        assert!(is_credential_name("AWS_SECRET_ACCESS_KEY_"));
        assert!(is_credential_name("api-Key"));
        assert!(!is_credential_name("self"));
        assert!(!is_credential_name("path"));
        assert!(!is_credential_name("next_token"));
        assert!(!is_credential_name("__"));
        assert!(!is_credential_name(""));
    }
}
