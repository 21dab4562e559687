pub mod endpoints;
pub mod host_data;
pub mod import_network;
