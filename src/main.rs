//! The `goattrib` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;

// The analysis allocates many small strings on several threads; mimalloc serves that
// pattern far better than the system allocator (measured in bench/run.sh). Without
// transparent huge pages (`no_thp`): each 2 MB page the kernel hands out is zeroed whole,
// which cost a fifth of a report's time and made its peak RSS 3.2-3.5x its input on the
// many-module benchmark (1.7-1.9x without).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // `-toolexec` runs of `record --profile` bypass clap: the tool's arguments are not ours.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .get(1)
        .is_some_and(|a| a == goattrib::toolexec::SUBCOMMAND)
    {
        std::process::exit(goattrib::toolexec::run(&argv[2..]));
    }
    let cli = goattrib::cli::Cli::parse();
    let result = goattrib::cli::run(cli);
    if let Err(e) = &result {
        // One line: the error and its causes, each said once.
        let line = goattrib::model::error_chain(e);
        eprintln!(
            "goattrib: error: {}",
            goattrib::render::terminal::line(&line)
        );
        if let Some(hint) = e.hint() {
            eprintln!("  hint: {hint}");
        }
    }
    std::process::exit(goattrib::error::exit_code(&result));
}
