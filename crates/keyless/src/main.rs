//! `keyless`: one binary for the server and its command-line client.
#![forbid(unsafe_code)]

mod cli;

use clap::FromArgMatches;

/// mimalloc instead of the system allocator: the YAML front end of `keyless lint` makes
/// millions of small allocations, which it serves in about half the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = match cli::Cli::from_arg_matches(&cli::command().get_matches()) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(cli::run(args));
    // Work still running on blocking threads (a world file being parsed) does not hold
    // the process past this bound.
    runtime.shutdown_timeout(SHUTDOWN_WAIT);
    match result {
        Ok(code) => code,
        Err(e) => cli::output::error::report(&e),
    }
}

/// How long the process waits, once its work is done, for tasks that are still running.
const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
