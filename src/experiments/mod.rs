//! One module per experiment: a config with serde defaults (the paper's
//! figure), `run(config) -> Report`, and the figure built from the report.

pub mod arrhenius;
pub mod bench_nn;
pub mod bench_w1;
pub mod bench_w2;
pub mod bench_w3;
pub mod bench_w4;
pub mod bench_w5;
mod chain_stats;
pub mod converge;
pub mod escape;
pub mod figures;
pub mod flatness;
pub mod logistic_reference;
pub mod noise_types;
pub mod optim_claims;
pub mod order;
pub mod overhead;
pub mod posterior;
pub mod problem;
pub mod run;
pub mod sweep;
pub mod weak_order;
