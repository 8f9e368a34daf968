//! The fused `f32` update of the common optimizer chains.
//!
//! SGD, heavy-ball and Nesterov momentum and weight decay are elementwise
//! pieces (see [`crate::optim::sgd`], [`crate::optim::momentum`],
//! [`crate::optim::weight_decay`]). A chain made only of them (at most one
//! momentum piece, the plain probe, no inputs perturbation) is applied here
//! directly to the `f32` parameters: per block of [`BLOCK`] parameters,
//! `u <- g`, then each piece in chain order on the block
//! (`u <- -lr u`; `m <- beta m + u`, `u <- m` or `u <- u + beta m`;
//! `u <- u + lambda x`), then `x <- x + u`, all in `f32` with the
//! coefficients rounded to `f32` once. Blocks run in parallel; each element's
//! arithmetic is the same whatever block or thread it lands in, so the
//! result is bit-identical for any thread count.

use rayon::prelude::*;

use crate::optim::{AnyProbe, AnyTransform, Optimizer};

/// Parameters updated together by one task.
pub const BLOCK: usize = 4096;

/// One elementwise piece, with `f32` coefficients.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Piece {
    /// `u <- scale u` with `scale = -lr`.
    Scale(f32),
    /// `m <- beta m + u`; then `u <- m` (heavy ball) or `u <- u + beta m`.
    Momentum { beta: f32, nesterov: bool },
    /// `u <- u + lambda x`.
    Decay(f32),
}

/// A chain of SGD, momentum and weight-decay pieces, applied in `f32`.
#[derive(Debug, Clone, PartialEq)]
pub struct FusedUpdate {
    pieces: Vec<Piece>,
}

impl FusedUpdate {
    /// The fused form of `optimizer`, or `None` when it has a piece, a probe
    /// or an inputs perturbation that is not elementwise (those run through
    /// [`Optimizer::step`]).
    pub fn of(optimizer: &Optimizer) -> Option<Self> {
        if !optimizer.inputs().is_identity() || !matches!(optimizer.probe(), AnyProbe::Plain(_)) {
            return None;
        }
        let pieces = optimizer
            .chain()
            .iter()
            .map(|p| match p {
                AnyTransform::Sgd(s) => Some(Piece::Scale(-s.lr() as f32)),
                AnyTransform::Momentum(m) => Some(Piece::Momentum {
                    beta: m.beta() as f32,
                    nesterov: m.nesterov(),
                }),
                AnyTransform::WeightDecay(w) => Some(Piece::Decay(w.lambda() as f32)),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        let momenta = pieces
            .iter()
            .filter(|p| matches!(p, Piece::Momentum { .. }))
            .count();
        (momenta <= 1).then_some(Self { pieces })
    }

    /// `true` if the chain carries a momentum buffer (of the parameters'
    /// length).
    pub fn has_momentum(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Momentum { .. }))
    }

    /// One step: `x <- x + u(g)`, with the momentum buffer `m` (empty
    /// when [`FusedUpdate::has_momentum`] is false) and the learning rate
    /// multiplied by `lr_scale` (a learning-rate schedule's value at this
    /// step; 1 without one).
    ///
    /// # Panics
    /// If `g` (or a needed `m`) is not as long as `x`.
    pub fn apply(&self, x: &mut [f32], g: &[f32], m: &mut [f32], lr_scale: f32) {
        assert_eq!(x.len(), g.len(), "gradient and parameters differ in length");
        if self.has_momentum() {
            assert_eq!(x.len(), m.len(), "momentum and parameters differ in length");
            x.par_chunks_mut(BLOCK)
                .zip(g.par_chunks(BLOCK))
                .zip(m.par_chunks_mut(BLOCK))
                .for_each(|((x, g), m)| self.block(x, g, m, lr_scale));
        } else {
            x.par_chunks_mut(BLOCK)
                .zip(g.par_chunks(BLOCK))
                .for_each(|(x, g)| self.block(x, g, &mut [], lr_scale));
        }
    }

    fn block(&self, x: &mut [f32], g: &[f32], m: &mut [f32], lr_scale: f32) {
        crate::simd::widest(
            #[inline(always)]
            || self.block_at_width(x, g, m, lr_scale),
        )
    }

    #[inline(always)]
    fn block_at_width(&self, x: &mut [f32], g: &[f32], m: &mut [f32], lr_scale: f32) {
        let mut u = [0.0f32; BLOCK];
        let u = &mut u[..x.len()];
        u.copy_from_slice(g);
        for piece in &self.pieces {
            match *piece {
                Piece::Scale(s) => {
                    let s = s * lr_scale;
                    u.iter_mut().for_each(|u| *u *= s)
                }
                Piece::Decay(l) => u.iter_mut().zip(x.iter()).for_each(|(u, &x)| *u += l * x),
                Piece::Momentum { beta, nesterov } => {
                    for (u, m) in u.iter_mut().zip(m.iter_mut()) {
                        *m = beta * *m + *u;
                        *u = if nesterov { *u + beta * *m } else { *m };
                    }
                }
            }
        }
        x.iter_mut().zip(u.iter()).for_each(|(x, &u)| *x += u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::{at_level, Level};

    /// A block of the fused update (weight decay, Nesterov momentum, a
    /// scaled step) has the same bits at every vector width the CPU offers
    /// (blocks run under [`crate::simd::widest`]).
    #[test]
    fn update_is_identical_at_every_vector_width() {
        let update = FusedUpdate {
            pieces: vec![
                Piece::Decay(1e-3),
                Piece::Scale(-0.05),
                Piece::Momentum {
                    beta: 0.9,
                    nesterov: true,
                },
            ],
        };
        let len = BLOCK - 3;
        let g: Vec<f32> = (0..len).map(|k| (k as f32 * 0.61).sin()).collect();
        let updated_at = |level| {
            let mut x: Vec<f32> = (0..len).map(|k| (k as f32 * 0.13).cos()).collect();
            let mut m: Vec<f32> = (0..len).map(|k| (k as f32 * 0.29).sin() * 0.1).collect();
            at_level(
                level,
                #[inline(always)]
                || update.block_at_width(&mut x, &g, &mut m, 0.7),
            );
            x.iter().chain(&m).map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        let baseline = updated_at(Level::Baseline);
        for level in Level::available() {
            assert_eq!(updated_at(level), baseline, "{level:?}");
        }
    }
}
