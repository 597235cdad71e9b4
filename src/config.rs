//! Configuration (planlint.toml). (skeleton, being written)
