//! `goattrib completions SHELL` and `goattrib man`: shell completions (clap_complete) and a
//! man pages (clap_mangen) generated from the same clap definitions, printed on stdout.

use clap::CommandFactory;

use crate::error::{Error, Outcome};

/// Prints the completion script for `shell`.
pub(super) fn completions(shell: clap_complete::Shell) -> Result<Outcome, Error> {
    let mut cmd = super::Cli::command();
    // Into memory first: clap_complete panics when its writer fails (a closed pipe).
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut cmd, "goattrib", &mut text);
    print(&text)
}

/// Prints the man page (roff) of goattrib and its commands, or with `out` writes one page
/// per command and subcommand into that directory (created when missing).
pub(super) fn man(out: Option<&std::path::Path>) -> Result<Outcome, Error> {
    if let Some(dir) = out {
        std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(super::Cli::command(), dir))
            .map_err(Error::Output)?;
        return Ok(Outcome::default());
    }
    let mut text = Vec::new();
    clap_mangen::Man::new(super::Cli::command())
        .render(&mut text)
        .map_err(Error::Output)?;
    print(&text)
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn print(bytes: &[u8]) -> Result<Outcome, Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(Outcome::default()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::default()),
        Err(e) => Err(Error::Output(e)),
    }
}
