//! unspin: find text garbled by an article spinner and restore the original wording.
//!
//! Text flows one way: [`tokens`] -> [`candidates`] (from [`dictionaries`]) -> [`decode`]
//! (language model [`lm`] + channel prior + document spin rate) -> [`repair`] (spans,
//! suggestions, confidence). The library never prints; the `unspin` binary owns I/O.
pub mod align;
pub mod artifacts;
pub mod atomic;
pub mod builder;
pub mod candidates;
pub mod commas;
pub mod config;
pub mod decode;
pub mod dictionaries;
pub mod diff;
pub mod ignore;
pub mod inflect;
pub mod learn;
pub mod lm;
pub mod phrase_index;
pub mod quality;
pub mod repair;
pub mod review;
pub mod tokens;
pub mod verbatim;
