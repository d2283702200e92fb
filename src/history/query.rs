//! What a dashboard asks the store for: the job filter, and the key jobs are grouped by (a
//! calendar period or a CI dimension), with each dialect's SQL for them.

/// Calendar periods, by the job's start in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bucket {
    Day,
    /// ISO weeks: Monday 00:00 UTC.
    Week,
    Month,
}

impl Bucket {
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Day => "day",
            Bucket::Week => "week",
            Bucket::Month => "month",
        }
    }
}

/// A job attribute the tables and `--group-by` pages group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Executor,
    Runner,
    Ref,
    JobName,
}

impl Dimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Executor => "executor",
            Dimension::Runner => "runner",
            Dimension::Ref => "ref",
            Dimension::JobName => "job-name",
        }
    }

    /// The column expression; a runner is its description, else its id.
    pub(crate) fn column(self) -> &'static str {
        match self {
            Dimension::Executor => "executor",
            Dimension::Runner => "coalesce(runner_description, runner)",
            Dimension::Ref => "ref_name",
            Dimension::JobName => "job_name",
        }
    }
}

/// The label of jobs that did not say.
pub const NONE_LABEL: &str = "(none)";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKey {
    Period(Bucket),
    Group(Dimension),
}

/// Which jobs count: `[since, until)` in seconds, and equality filters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub project: Option<String>,
    pub ref_name: Option<String>,
    pub job_name: Option<String>,
    pub executor: Option<String>,
    pub runner: Option<String>,
}

/// The SQL dialect a store speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    ClickHouse,
}

impl GroupKey {
    /// The key expression over the `jobs` columns, as text.
    pub(crate) fn sql(self, d: Dialect) -> String {
        match (self, d) {
            (GroupKey::Group(dim), _) => format!("coalesce({}, '{NONE_LABEL}')", dim.column()),
            (GroupKey::Period(b), Dialect::Sqlite) => match b {
                Bucket::Day => "date(started_at, 'unixepoch')".to_owned(),
                // 'weekday 0' goes forward to Sunday (or stays): six days back is Monday.
                Bucket::Week => "date(started_at, 'unixepoch', 'weekday 0', '-6 days')".to_owned(),
                Bucket::Month => "date(started_at, 'unixepoch', 'start of month')".to_owned(),
            },
            (GroupKey::Period(b), Dialect::ClickHouse) => {
                let f = match b {
                    Bucket::Day => "toDate",
                    Bucket::Week => "toMonday",
                    Bucket::Month => "toStartOfMonth",
                };
                format!("toString({f}(toDateTime(started_at, 'UTC')))")
            }
        }
    }
}

/// A ClickHouse string literal: quotes and backslashes escaped (its HTTP interface takes
/// no bound parameters in the old servers we support).
pub(crate) fn ch_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

impl Filter {
    /// The conditions with their values written in, for ClickHouse.
    pub(crate) fn conditions_inline(&self) -> String {
        let (cond, values) = self.conditions();
        let mut out = String::new();
        let mut values = values.iter();
        for c in cond.chars() {
            match (c, c == '?') {
                (_, true) => out.push_str(&ch_quote(values.next().map_or("", String::as_str))),
                (c, false) => out.push(c),
            }
        }
        out
    }

    /// `WHERE` conditions over `jobs` and their values, in order (`?` placeholders).
    pub(crate) fn conditions(&self) -> (String, Vec<String>) {
        let mut cond = vec!["1 = 1".to_owned()];
        let mut values = Vec::new();
        if let Some(s) = self.since {
            cond.push(format!("started_at >= {s}"));
        }
        if let Some(u) = self.until {
            cond.push(format!("started_at < {u}"));
        }
        let eq = [
            ("project", &self.project),
            ("ref_name", &self.ref_name),
            ("job_name", &self.job_name),
            ("executor", &self.executor),
            ("coalesce(runner_description, runner)", &self.runner),
        ];
        for (col, v) in eq {
            if let Some(v) = v {
                cond.push(format!("{col} = ?"));
                values.push(v.clone());
            }
        }
        (cond.join(" AND "), values)
    }
}
