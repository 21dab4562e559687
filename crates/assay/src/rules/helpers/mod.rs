//! Logic several rules share. Rules import from here, never from another
//! rule's file.

pub(crate) mod capabilities;
pub(crate) mod chat_channels;
pub(crate) mod clipboard;
pub(crate) mod commands;
pub(crate) mod endpoints;
pub(crate) mod mining;
pub(crate) mod network;
pub(crate) mod source_text;
pub(crate) mod string_keywords;
pub(crate) mod taint_words;
