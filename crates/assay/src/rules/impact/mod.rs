//! Impact: what a package does to the machine itself — destroying files,
//! holding them for ransom, mining on its CPU, redirecting payments.

pub mod clipboard_wallet_swap;
pub mod crypto_miner;
pub mod destructive_delete;
pub mod ransomware;

/// Calls that delete files or folders.
pub(crate) fn is_delete(name: &str) -> bool {
    matches!(
        name,
        "shutil.rmtree"
            | "os.remove"
            | "os.unlink"
            | "os.rmdir"
            | "os.removedirs"
            | "send2trash.send2trash"
    ) || ((name.starts_with("pathlib.") || name.starts_with("str."))
        && (name.ends_with(".unlink") || name.ends_with(".rmdir")))
}
