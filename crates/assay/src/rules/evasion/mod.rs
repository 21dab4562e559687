pub mod unanalysable_source;
