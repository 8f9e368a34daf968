//! Measurements: estimators with confidence intervals, as observers and events.
