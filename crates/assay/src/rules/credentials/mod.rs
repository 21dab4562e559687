pub mod app_secrets;
pub mod cloud_credentials;
