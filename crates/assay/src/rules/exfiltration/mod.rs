pub mod endpoints;
pub mod host_data;
