//! Flatness during a run: an observer for [`crate::optim::run_chains`]
//! that calls [`super::measure`] on the iterate every `every` steps.
//!
//! It draws from the chain's observer stream, never from the optimizer's,
//! so switching it on leaves the trajectory unchanged (tested).

use super::{measure, FlatnessConfig, FlatnessReport};
use crate::error::{ensure_at_least, Result};
use crate::optim::{ChainObserver, Oracle};
use crate::rng::Rng;

/// Measures flatness every `every` steps.
#[derive(Debug, Clone)]
pub struct FlatnessObserver {
    config: FlatnessConfig,
    every: u64,
    records: Vec<(u64, FlatnessReport)>,
}

impl FlatnessObserver {
    /// Measures `config` after steps `every, 2 every, ...` (`every >= 1`).
    pub fn new(config: FlatnessConfig, every: u64) -> Result<Self> {
        config.validate()?;
        ensure_at_least("every", every as usize, 1, "at least 1 step")?;
        Ok(Self {
            config,
            every,
            records: Vec::new(),
        })
    }

    /// The reports so far, with the number of steps taken when each was measured.
    pub fn records(&self) -> &[(u64, FlatnessReport)] {
        &self.records
    }
}

impl ChainObserver for FlatnessObserver {
    fn observe(&mut self, t: u64, x: &[f64], oracle: &dyn Oracle, rng: &mut Rng) -> Result<()> {
        let steps = t + 1;
        if steps.is_multiple_of(self.every) {
            self.records
                .push((steps, measure(oracle, x, &self.config, rng)?));
        }
        Ok(())
    }
}
