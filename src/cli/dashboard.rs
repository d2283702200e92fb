//! `goattrib dashboard`: the history's weekly cache-efficiency numbers as a static site
//! (`--out DIR`) or as `goattrib.dashboard/v1` JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::history::StoreArgs;
use crate::analysis::dashboard::{self, DashboardOptions, calendar};
use crate::error::{Error, exit};
use crate::history::{Bucket, Dimension, Filter};

#[derive(Debug, Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Write the site (index.html, dashboard.json, one page per group) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the numbers on stdout.
    #[arg(long, value_enum)]
    pub format: Option<DashFormat>,
    /// Period length; weeks start Monday 00:00 UTC, by job start.
    #[arg(long, value_enum, default_value_t = BucketArg::Week)]
    pub bucket: BucketArg,
    /// Only jobs that started in this span before --until (`12w`, `90d`, `12m`, `1y`).
    #[arg(long, value_name = "SPAN")]
    pub since: Option<String>,
    /// Only jobs that started before this day or time (YYYY-MM-DD, that day excluded, or
    /// RFC 3339); default: now.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    #[arg(long)]
    pub project: Option<String>,
    #[arg(long = "ref", value_name = "REF")]
    pub ref_name: Option<String>,
    #[arg(long)]
    pub job_name: Option<String>,
    #[arg(long)]
    pub executor: Option<String>,
    /// With --out: also one page per executor, runner, ref or job name.
    #[arg(long, value_enum)]
    pub group_by: Option<GroupBy>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum DashFormat {
    Json,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum BucketArg {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GroupBy {
    Executor,
    Runner,
    Ref,
    JobName,
}

impl GroupBy {
    fn dimension(self) -> Dimension {
        match self {
            GroupBy::Executor => Dimension::Executor,
            GroupBy::Runner => Dimension::Runner,
            GroupBy::Ref => Dimension::Ref,
            GroupBy::JobName => Dimension::JobName,
        }
    }
}

fn parse_until(s: &str) -> Option<i64> {
    calendar::parse_day(s)
        .map(|d| d * 86_400)
        .or_else(|| crate::ingest::history::parse_time(s))
}

impl DashboardArgs {
    fn options(&self) -> Result<DashboardOptions, Error> {
        let until = match &self.until {
            Some(u) => Some(parse_until(u).ok_or_else(|| {
                Error::Usage(format!(
                    "--until {u}: expected YYYY-MM-DD or an RFC 3339 time"
                ))
            })?),
            None => None,
        };
        let since = match &self.since {
            Some(s) => {
                let span = calendar::parse_span(s).ok_or_else(|| {
                    Error::Usage(format!(
                        "--since {s}: expected a span like 12w, 90d, 12m, 1y"
                    ))
                })?;
                let end = until.unwrap_or_else(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64)
                });
                Some(end - span)
            }
            None => None,
        };
        Ok(DashboardOptions {
            bucket: match self.bucket {
                BucketArg::Day => Bucket::Day,
                BucketArg::Week => Bucket::Week,
                BucketArg::Month => Bucket::Month,
            },
            filter: Filter {
                since,
                until,
                project: self.project.clone(),
                ref_name: self.ref_name.clone(),
                job_name: self.job_name.clone(),
                executor: self.executor.clone(),
                runner: None,
            },
        })
    }
}

pub fn run(args: DashboardArgs) -> Result<i32, Error> {
    if args.out.is_none() && args.format.is_none() {
        return Err(Error::Usage(
            "dashboard needs --out DIR (the site) or --format json".to_owned(),
        ));
    }
    let opts = args.options()?;
    let store = args.store.open(false)?;
    let dash = dashboard::build(store.as_ref(), &opts)?;
    if let Some(dir) = &args.out {
        let mut files = vec![crate::render::out::OutFile {
            name: "dashboard.json".to_owned(),
            bytes: serde_json::to_vec_pretty(&dash).map_err(|e| Error::Output(e.into()))?,
        }];
        let mut pages = Vec::new();
        if let Some(g) = args.group_by {
            let dim = g.dimension();
            for (i, name) in store
                .groups(&opts.filter, dim, dashboard::TABLE_ROWS)?
                .into_iter()
                .enumerate()
            {
                let mut o = opts.clone();
                match dim {
                    Dimension::Executor => o.filter.executor = Some(name.clone()),
                    Dimension::Runner => o.filter.runner = Some(name.clone()),
                    Dimension::Ref => o.filter.ref_name = Some(name.clone()),
                    Dimension::JobName => o.filter.job_name = Some(name.clone()),
                }
                let d = dashboard::build(store.as_ref(), &o)?;
                let file = format!("{}-{}.html", dim.as_str(), i + 1);
                pages.push((name, file, d));
            }
        }
        let links: Vec<(String, String)> = pages
            .iter()
            .map(|(n, f, _)| (n.clone(), f.clone()))
            .collect();
        let title = "Go build cache: history";
        files.push(crate::render::out::OutFile {
            name: "index.html".to_owned(),
            bytes: crate::render::dashboard::page(&dash, title, &links),
        });
        for (name, file, d) in &pages {
            let t = format!(
                "Go build cache: {} {name}",
                args.group_by.map_or("", |g| g.dimension().as_str())
            );
            files.push(crate::render::out::OutFile {
                name: file.clone(),
                bytes: crate::render::dashboard::page(d, &t, &[]),
            });
        }
        crate::render::out::write_folder(dir, &files)?;
        eprintln!(
            "goattrib: wrote the dashboard ({} jobs, {} periods, {} files) to {}",
            dash.jobs,
            dash.periods.len(),
            files.len(),
            dir.display()
        );
    }
    if args.format.is_some() {
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let written = serde_json::to_writer_pretty(&mut out, &dash)
            .map_err(std::io::Error::from)
            .and_then(|()| out.write_all(b"\n"))
            .and_then(|()| out.flush());
        match written {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => return Err(Error::Output(e)),
            _ => {}
        }
    }
    Ok(exit::OK)
}
