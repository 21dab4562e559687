pub mod cloud_credentials;
