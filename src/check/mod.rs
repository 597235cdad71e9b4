//! (skeleton, being written)
