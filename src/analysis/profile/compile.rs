//! Compile profiles by package: wall time (`duration_nanos`), CPU, and CPU by compiler pass;
//! joined with the `-bench` phase lines, which also cover packages too small to get a sample.
//!
//! A sample's pass is the innermost `cmd/compile/internal/<pass>` frame that is not a
//! shared helper package (`base`, `types`, `ir`, `src`, `bitvec`): `ssa.applyRewrite`
//! called from an escape-analysis frame counts as `ssa`, `types.(*Type).Kind` called from
//! `escape` counts as `escape`. Samples with no compiler frame (the compiler process's own
//! garbage collector and scheduler) count as `runtime`.

use std::collections::BTreeMap;

use crate::model::profile::{BenchPhase, PackageCost, Profile, ProfileKind};

use super::{TagFilter, sample_matches};

const PREFIX: &str = "cmd/compile/internal/";
const HELPERS: &[&str] = &["base", "types", "ir", "src", "bitvec"];

/// The compiler pass of a function name, if it is a compiler function.
pub fn pass_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(PREFIX)?;
    let end = rest.find(['.', '/']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The pass a stack (innermost first) counts towards.
fn pass_of_stack<'a>(p: &'a Profile, stack: &[u32]) -> &'a str {
    let mut helper = None;
    for &f in stack {
        if let Some(pass) = pass_of(&p.functions[f as usize].name) {
            if !HELPERS.contains(&pass) {
                return pass;
            }
            helper.get_or_insert(pass);
        }
    }
    helper.unwrap_or("runtime")
}

/// Every package named by a compile profile or a `-bench` line, in name order.
pub fn packages(
    profiles: &[Profile],
    bench: &[BenchPhase],
    tags: &[TagFilter],
) -> Vec<PackageCost> {
    let mut by_pkg: BTreeMap<String, PackageCost> = BTreeMap::new();
    for p in profiles.iter().filter(|p| p.kind == ProfileKind::Compile) {
        let pkg = p.package.clone().unwrap_or_else(|| p.file.clone());
        let cost = by_pkg.entry(pkg.clone()).or_insert_with(|| empty(&pkg));
        *cost.wall_ns.get_or_insert(0) += p.duration_ns;
        let Some(cpu) = p.sample_types.iter().position(|t| t.kind == "cpu") else {
            continue;
        };
        let total = cost.cpu_ns.get_or_insert(0);
        for s in p.samples.iter().filter(|s| sample_matches(s, tags)) {
            let v = s.values[cpu];
            *total += v;
            if v != 0 {
                *cost
                    .phases
                    .entry(pass_of_stack(p, &s.stack).to_owned())
                    .or_default() += v;
            }
        }
    }
    for b in bench {
        let cost = by_pkg
            .entry(b.package.clone())
            .or_insert_with(|| empty(&b.package));
        *cost.bench_phases.entry(b.phase.clone()).or_default() += b.ns;
    }
    by_pkg.into_values().collect()
}

fn empty(pkg: &str) -> PackageCost {
    PackageCost {
        package: pkg.to_owned(),
        wall_ns: None,
        cpu_ns: None,
        phases: BTreeMap::new(),
        bench_phases: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_are_the_package_after_cmd_compile_internal() {
        assert_eq!(
            pass_of("cmd/compile/internal/ssa.applyRewrite"),
            Some("ssa")
        );
        assert_eq!(
            pass_of("cmd/compile/internal/types2.(*Checker).expr"),
            Some("types2")
        );
        assert_eq!(
            pass_of("cmd/compile/internal/escape.(*batch).walkAll"),
            Some("escape")
        );
        assert_eq!(pass_of("runtime.mallocgc"), None);
    }
}
