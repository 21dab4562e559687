pub mod yara_match;
