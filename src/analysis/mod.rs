//! Computations over analysed builds and their history (more modules move here in the
//! layering of issue 10).

pub mod dashboard;
