//! planlint: reads Chinese government work plans, checks them with rules that
//! users write in Rhai, and exports the sheets offices score units with.
//!
//! The data flows one way: [`load`] (bytes to text) → [`parse`] (grammar to
//! [`model`]) → [`check`] (rules over the model) → [`emit`] (diagnostics) and
//! [`report`] (sheets). Each stage only reads what the previous one produced.

// The parser pest derives without its "std" feature names `::alloc`.
extern crate alloc;

pub mod check;
pub mod cli;
pub mod config;
pub mod emit;
pub mod finding;
pub(crate) mod guard;
pub mod load;
pub mod model;
pub mod parse;
pub mod report;
pub mod script;
