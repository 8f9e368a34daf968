//! A noise schedule in the chain: multiplies the step's intensity by
//! `s(t)`, so every noise piece after it draws with standard deviation
//! `sigma s(t)` (see [`crate::schedule`] for the rules: polynomial decay,
//! Neelakantan's annealing, exponential, cosine, cyclical, warm-up).

use super::transform::{Step, Transform};
use crate::error::Result;
use crate::rng::Rng;
use crate::schedule::Schedule;

/// Scale the noise intensity by a schedule.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scheduled {
    schedule: Schedule,
}

impl Scheduled {
    /// The piece applying `schedule`.
    pub fn new(schedule: Schedule) -> Self {
        Self { schedule }
    }
}

impl Transform for Scheduled {
    type State = ();

    fn site(&self) -> Option<super::transform::Site> {
        None
    }

    fn init(&self, _dim: usize, _rng: &mut Rng) {}

    fn update(&self, _state: &mut (), step: &mut Step<'_, '_>, _update: &mut [f64]) -> Result<()> {
        step.intensity *= self.schedule.value(step.t);
        Ok(())
    }
}
