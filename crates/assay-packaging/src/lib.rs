//! Python packaging file formats that more than one assay crate reads.
//!
//! One reader per format, so that the scanner and the resolver cannot read
//! the same hostile file two ways:
//!
//! - [`CoreMetadata`]: `PKG-INFO`, `METADATA` and PEP 658 `.metadata` files;
//! - [`Ini`]: `setup.cfg` and pip's configuration files.

mod core_metadata;
mod ini;

pub use core_metadata::{CoreMetadata, NumberedValue};
pub use ini::{Ini, IniEntry, IniProblem};
