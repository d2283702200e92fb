//! The `goattrib` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;

// The analysis allocates many small strings on several threads; mimalloc serves that
// pattern far better than the system allocator (measured in bench/run.sh).
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
    let code = match goattrib::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("goattrib: error: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            if let Some(hint) = e.hint() {
                eprintln!("  hint: {hint}");
            }
            e.exit_code()
        }
    };
    std::process::exit(code);
}
