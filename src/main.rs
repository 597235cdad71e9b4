//! The `planlint` binary: a thin shell over the library's command line.

/// jemalloc, for speed: see its entry in Cargo.toml.
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    planlint::cli::main()
}
