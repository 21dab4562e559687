pub mod host_data;
