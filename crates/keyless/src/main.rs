//! `keyless`: one binary for the server and its command-line client.
#![forbid(unsafe_code)]

mod cli;

use clap::FromArgMatches;

/// mimalloc instead of the system allocator: the YAML front end of `keyless lint` makes
/// millions of small allocations, which it serves in about half the time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    stop_quietly_on_a_closed_pipe();
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
        Err(e) if closed_pipe(&e) => std::process::ExitCode::from(CLOSED_PIPE),
        Err(e) => cli::output::error::report(&e),
    }
}

/// The exit code when standard output is a pipe its reader closed (`keyless audit | head`):
/// 128 + SIGPIPE, as a process the signal ended.
const CLOSED_PIPE: u8 = 141;

fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` panics when its reader is gone: such a panic ends the process with
/// [`CLOSED_PIPE`] and no message; every other panic is reported as before.
fn stop_quietly_on_a_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to stdout") && text.contains("Broken pipe") {
            std::process::exit(CLOSED_PIPE.into());
        }
        report(info)
    }));
}

/// How long the process waits, once its work is done, for tasks that are still running.
const SHUTDOWN_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
