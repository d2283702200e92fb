//! The ClickHouse history (`--store clickhouse://HOST:PORT/DB`): not built yet.

use super::{
    Aggregate, Dimension, Filter, GroupKey, Metric, RankedValue, Stats, Store, StoreError,
};
use crate::model::history::{CauseTotal, JobRecord, PackageTotal};

pub struct ClickHouse {
    url: String,
}

impl ClickHouse {
    pub fn connect(address: &str) -> Result<ClickHouse, StoreError> {
        Err(StoreError::ClickHouse {
            what: "connect",
            url: address.to_owned(),
            detail: "the ClickHouse store is not built yet".to_owned(),
        })
    }

    fn todo<T>(&self) -> Result<T, StoreError> {
        Err(StoreError::ClickHouse {
            what: "query",
            url: self.url.clone(),
            detail: "the ClickHouse store is not built yet".to_owned(),
        })
    }
}

impl Store for ClickHouse {
    fn add(&self, _: &JobRecord) -> Result<(), StoreError> {
        self.todo()
    }
    fn prune(&self, _: i64) -> Result<i64, StoreError> {
        self.todo()
    }
    fn export(
        &self,
        _: &mut dyn FnMut(JobRecord) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        self.todo()
    }
    fn stats(&self) -> Result<Stats, StoreError> {
        self.todo()
    }
    fn bounds(&self, _: &Filter) -> Result<Option<(i64, i64)>, StoreError> {
        self.todo()
    }
    fn aggregate(&self, _: &Filter, _: GroupKey) -> Result<Vec<Aggregate>, StoreError> {
        self.todo()
    }
    fn miss_by_cause(
        &self,
        _: &Filter,
        _: GroupKey,
    ) -> Result<Vec<(String, String, i64)>, StoreError> {
        self.todo()
    }
    fn percentiles(
        &self,
        _: &Filter,
        _: GroupKey,
        _: Metric,
    ) -> Result<Vec<RankedValue>, StoreError> {
        self.todo()
    }
    fn causes(&self, _: &Filter, _: i64) -> Result<Vec<CauseTotal>, StoreError> {
        self.todo()
    }
    fn packages(&self, _: &Filter, _: i64) -> Result<Vec<PackageTotal>, StoreError> {
        self.todo()
    }
    fn groups(&self, _: &Filter, _: Dimension, _: i64) -> Result<Vec<String>, StoreError> {
        self.todo()
    }
}
