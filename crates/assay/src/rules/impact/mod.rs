//! Impact: what a package does to the machine itself — destroying files,
//! holding them for ransom, mining on its CPU, redirecting payments,
//! flooding other hosts from it.

pub mod clipboard_wallet_swap;
pub mod crypto_miner;
pub mod destructive_delete;
pub mod network_flood;
pub mod ransomware;

use crate::python::QualName;

/// Calls that delete files or folders.
pub(crate) fn is_delete(name: &QualName) -> bool {
    matches!(
        name.as_str(),
        "shutil.rmtree"
            | "os.remove"
            | "os.unlink"
            | "os.rmdir"
            | "os.removedirs"
            | "send2trash.send2trash"
    ) || ((name.is_in("pathlib") || name.is_in("str"))
        && (name.is_attribute("unlink") || name.is_attribute("rmdir")))
}
