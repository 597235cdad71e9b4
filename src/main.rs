//! The `planlint` binary: a thin shell over the library's command line.

fn main() -> std::process::ExitCode {
    planlint::cli::main()
}
