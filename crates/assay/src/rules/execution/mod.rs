pub mod bundled_native_loaded;
pub mod download_execute;
pub mod exec_decoded;
pub mod hidden_command;
pub mod install_time_execution;
pub mod pickle_code_execution;
pub mod pth_execution;
pub mod reverse_shell;
