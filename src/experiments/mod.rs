//! One module per experiment: a config with serde defaults (the paper's
//! figure), `run(config) -> Report`, and the figure built from the report.

pub mod bench_w1;
pub mod escape;
