//! The redactor applied to every codec's output, in one place: whatever a format carries
//! that a renderer could print (commands, flags, messages, key inputs, job log lines, `go
//! env` values, warnings, job section names) is redacted before it leaves ingest.
//! Identifiers that join data across files (package paths, action IDs, cache keys of the
//! hash log) are left alone: redacting one side of a join would break it.

use super::redact::{all_in_place, in_place};
use super::{Parsed, Warning, go_output::GoOutput};
use crate::model::{BuildData, CacheEvidence, JobTrace};

/// Redacts one parsed file and its warnings.
pub(super) fn parsed(parsed: &mut Parsed, warnings: &mut [Warning]) {
    if !super::redact::enabled() {
        return;
    }
    all_in_place(warnings.iter_mut().map(|w| &mut w.message));
    match parsed {
        Parsed::GoOutput(out) => go_output(out),
        // Its command lines (`-X main.apiKey=...`) are never decoded (`actiongraph`); a
        // target path is joined with `GOROOT/pkg`, not printed.
        Parsed::ActionGraph(_) => {}
        Parsed::GoEnv(env) => {
            for (name, value) in env.vars.iter_mut() {
                if let std::borrow::Cow::Owned(new) = super::redact::value(name, value) {
                    *value = new;
                }
            }
        }
        Parsed::GitLabTrace(trace, go) => {
            job_trace(trace);
            if let Some(go) = go {
                go_output(go);
            }
        }
        Parsed::Command(command) => in_place(command),
        // A failed download's error can quote the proxy URL.
        Parsed::GoModDownload(entries) => {
            all_in_place(entries.iter_mut().filter_map(|e| e.error.as_mut()));
        }
        Parsed::Manifest(data) => build_data(data),
        Parsed::ChromeTrace(_)
        | Parsed::GoModules(_)
        | Parsed::ModulesTxt(_)
        | Parsed::ExitCode(_) => {}
    }
}

fn go_output(out: &mut GoOutput) {
    let x = &mut out.xtrace;
    all_in_place(&mut x.diagnostics);
    all_in_place(x.compiles.iter_mut().flat_map(|c| c.flags.iter_mut()));
    all_in_place(x.links.iter_mut().flat_map(|l| l.flags.iter_mut()));
    // Raw key inputs: the classifier (and so every cause, manifest and page) reads these.
    all_in_place(
        out.hashes
            .records
            .iter_mut()
            .flat_map(|r| r.inputs.iter_mut()),
    );
    caches(&mut out.caches);
}

fn caches(ev: &mut CacheEvidence) {
    for s in [&mut ev.goproxy, &mut ev.goflags].into_iter().flatten() {
        in_place(s);
    }
}

fn job_trace(trace: &mut JobTrace) {
    for line in &mut trace.script_lines {
        in_place(&mut line.text);
        if let Some(section) = &mut line.section {
            in_place(section);
        }
    }
    all_in_place(trace.go_commands.iter_mut().map(|c| &mut c.text));
    all_in_place(&mut trace.warnings);
    // Section names are chosen by the job's script; a name and the parent it is joined to
    // are redacted alike, so the join holds.
    for section in &mut trace.sections {
        in_place(&mut section.name);
        if let Some(parent) = &mut section.parent {
            in_place(parent);
        }
    }
    for op in &mut trace.cache_ops {
        for s in [&mut op.key, &mut op.detail, &mut op.url]
            .into_iter()
            .flatten()
        {
            in_place(s);
        }
        all_in_place(&mut op.paths);
    }
    for s in [&mut trace.outcome_detail, &mut trace.image]
        .into_iter()
        .flatten()
    {
        in_place(s);
    }
}

/// A manifest, which an older goattrib (or `--no-redact`) may have written unredacted.
fn build_data(data: &mut BuildData) {
    let meta = &mut data.build.meta;
    if let Some(c) = &mut meta.command {
        in_place(c);
    }
    all_in_place(&mut meta.diagnostics);
    all_in_place(&mut data.build.warnings);
    // Searched many at once: a manifest holds tens of thousands of inputs.
    all_in_place(
        data.inputs
            .values_mut()
            .flatten()
            .flat_map(|input| [&mut input.name, &mut input.value]),
    );
    if let Some(job) = &mut data.job {
        job_trace(job);
    }
    caches(&mut data.caches);
}
