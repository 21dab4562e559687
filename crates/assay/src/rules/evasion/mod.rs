pub mod anti_analysis;
pub mod bidi_control;
pub mod bytecode_without_source;
pub mod confusable_identifier;
pub mod packed_code;
pub mod silenced_errors;
pub mod unanalysable_source;
pub mod whitespace_hidden_code;
