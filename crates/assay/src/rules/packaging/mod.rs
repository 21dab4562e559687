pub mod archive_bomb;
pub mod command_shadows_tool;
pub mod native_binary;
pub mod record_mismatch;
pub mod unsafe_entry;
