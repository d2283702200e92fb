//! Round trips of every persisted enum: each variant's serde spelling is the one its
//! `as_str` gives (what the tables print), and reads back as the same variant. A renamed
//! variant fails here instead of silently changing a v1 manifest or report.

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::compare::AttributionKind;
use super::job::{CacheOpKind, CacheOpOutcome, JobOutcome};
use super::{CacheOutcome, CauseKind, Evidence, InputClass};

fn round_trip<T>(value: T, spelling: Option<&str>)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(&value).expect("serialises");
    if let Some(s) = spelling {
        assert_eq!(json, format!("\"{s}\""), "{value:?}");
    }
    let back: T = serde_json::from_str(&json).expect("reads back");
    assert_eq!(back, value);
}

#[test]
fn every_variant_round_trips_under_its_own_spelling() {
    for k in CauseKind::ALL {
        round_trip(k, Some(k.as_str()));
        assert_eq!(CauseKind::parse(k.as_str()), Some(k));
    }
    for c in CacheOutcome::ALL {
        round_trip(c, Some(c.as_str()));
    }
    for c in CacheOpOutcome::ALL {
        round_trip(c, Some(c.as_str()));
    }
    for o in JobOutcome::ALL {
        round_trip(o, Some(o.as_str()));
    }
    for o in CacheOpKind::ALL {
        round_trip(o, Some(o.as_str()));
    }
    for e in Evidence::ALL {
        round_trip(e, None);
    }
    for c in InputClass::ALL {
        round_trip(c, None);
    }
    for k in AttributionKind::all() {
        round_trip(k, Some(k.as_str()));
    }
}

#[test]
fn unknown_spellings_are_errors_not_a_default() {
    assert!(serde_json::from_str::<JobOutcome>("\"succeeded\"").is_err());
    assert!(serde_json::from_str::<CacheOpOutcome>("\"HIT\"").is_err());
    assert!(serde_json::from_str::<CacheOutcome>("\"maybe\"").is_err());
    let e = serde_json::from_str::<AttributionKind>("\"sideways\"").unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown attribution kind `sideways`"),
        "{e}"
    );
}

/// Regression (hostile input): merging the results of a job log of 150,000 `ok` lines
/// scanned every kept result per new one (38 s); a set keeps it linear. 200,000 results
/// (half of them repeats) would not finish in reasonable time the old way.
#[test]
fn merging_many_test_results_keeps_the_first_of_each_package() {
    use super::{CacheEvidence, TestOutcome, TestPackageResult};
    let result = |i: usize, cached| TestPackageResult {
        package: format!("example.com/p{i}"),
        outcome: TestOutcome::Pass,
        elapsed_ms: None,
        cached,
    };
    let mut ev = CacheEvidence::default();
    ev.extend(CacheEvidence {
        results: (0..100_000).map(|i| result(i, true)).collect(),
        ..CacheEvidence::default()
    });
    ev.extend(CacheEvidence {
        results: (50_000..150_000).map(|i| result(i, false)).collect(),
        ..CacheEvidence::default()
    });
    assert_eq!(ev.results.len(), 150_000);
    assert!(ev.results[..100_000].iter().all(|r| r.cached));
    assert!(ev.results[100_000..].iter().all(|r| !r.cached));
    assert_eq!(ev.results[100_000].package, "example.com/p100000");
}
