//! The one error type of the library.
//!
//! Every bad input is rejected where it enters (construction of a landscape,
//! a noise process, a scheme, an experiment config) with a variant that
//! carries the offending value, so the CLI can print one line naming the
//! problem. Outcomes of a simulation ("escaped", "censored at the horizon",
//! "diverged at step k") are values in the report, never errors.

/// Errors returned by the library for bad inputs.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    /// A parameter that must be strictly positive was not (or was NaN).
    #[error("{name} must be positive and finite, got {value}")]
    NonPositive {
        /// The parameter's name as the user wrote it.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A parameter was NaN or infinite.
    #[error("{name} must be finite, got {value}")]
    NonFinite {
        /// The parameter's name as the user wrote it.
        name: &'static str,
        /// The offending value.
        value: f64,
    },
    /// A parameter is outside the range where the method is defined.
    #[error("{name} = {value} is out of range: {expected}")]
    OutOfRange {
        /// The parameter's name as the user wrote it.
        name: &'static str,
        /// The offending value.
        value: f64,
        /// The admissible range, in words.
        expected: &'static str,
    },
    /// Two objects that must agree in dimension do not.
    #[error("dimension mismatch in {context}: expected {expected}, got {got}")]
    DimensionMismatch {
        /// Where the mismatch was found.
        context: &'static str,
        /// The dimension required.
        expected: usize,
        /// The dimension given.
        got: usize,
    },
    /// A matrix that must be symmetric positive definite is not.
    #[error("{name} must be symmetric positive definite")]
    NotPositiveDefinite {
        /// The matrix's name as the user wrote it.
        name: &'static str,
    },
    /// A name (landscape, noise, scheme, target, ...) that is not known.
    #[error("unknown {kind} `{name}`; known: {known}")]
    Unknown {
        /// What kind of thing was named.
        kind: &'static str,
        /// The name given.
        name: String,
        /// The names that are known, comma separated.
        known: String,
    },
    /// A `name:key=value,...` specification that could not be parsed.
    #[error("cannot parse {kind} spec `{spec}`: {reason}")]
    BadSpec {
        /// What kind of thing the spec describes.
        kind: &'static str,
        /// The spec as given.
        spec: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A file could not be read, written or removed.
    #[error("cannot {action} {path}: {reason}")]
    Io {
        /// What was attempted: "read", "write", "remove".
        action: &'static str,
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// A combination of otherwise valid choices that does not make sense.
    #[error("{0}")]
    Unsupported(String),
}

/// Shorthand for results of this library.
pub type Result<T> = std::result::Result<T, Error>;

/// Rejects a value that is not strictly positive and finite.
pub fn ensure_positive(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(Error::NonPositive { name, value })
    }
}

/// Rejects a size below `min` (sizes are counts: steps, probes, runs).
pub fn ensure_at_least(
    name: &'static str,
    value: usize,
    min: usize,
    expected: &'static str,
) -> Result<()> {
    if value >= min {
        Ok(())
    } else {
        Err(Error::OutOfRange {
            name,
            value: value as f64,
            expected,
        })
    }
}

/// Rejects a value outside `[0, inf)` (NaN included).
pub fn ensure_non_negative(name: &'static str, value: f64) -> Result<f64> {
    ensure_finite(name, value)?;
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(Error::OutOfRange {
            name,
            value,
            expected: "non-negative",
        })
    }
}

/// Rejects a value that is NaN or infinite.
pub fn ensure_finite(name: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(Error::NonFinite { name, value })
    }
}

/// Rejects a vector whose length is not `expected`.
pub fn ensure_dim(context: &'static str, expected: usize, got: usize) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            context,
            expected,
            got,
        })
    }
}

/// The [`Error::Io`] for a failed `action` ("read", "write", "remove") on `path`.
pub fn io_error(
    action: &'static str,
    path: &std::path::Path,
    err: impl std::fmt::Display,
) -> Error {
    Error::Io {
        action,
        path: path.display().to_string(),
        reason: err.to_string(),
    }
}
