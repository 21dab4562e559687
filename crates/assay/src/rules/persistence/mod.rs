pub mod autostart;
