//! Measurements: estimators with confidence intervals, as observers and events.

pub mod density;
pub mod escape_time;
pub mod first_exit;
pub mod flatness;
pub mod ks;
pub mod moments;
pub mod posterior;

pub use density::Histogram;
pub use escape_time::{escape_statistics, EscapeStatistics};
