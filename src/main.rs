//! The `planlint` binary: a thin shell over the library's command line.

// Parsing and the rule scripts allocate small, short-lived values at a high
// rate (pest's parser state per element, Rhai's dynamic values); mimalloc
// serves them faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    planlint::cli::main()
}
