pub mod credential_flow;
pub mod endpoints;
pub mod hidden_relay;
pub mod host_data;
pub mod import_network;
