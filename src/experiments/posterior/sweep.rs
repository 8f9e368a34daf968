//! The sweeps of `perturbo posterior` (see the parent module's docs): the
//! runs, the slopes against theory, the table and `posterior_sweep`.

use nalgebra::{DMatrix, SymmetricEigen};

use super::stats::{boot_slope, exact_distances, exact_slope, pooled, too_few, Interval};
use super::{Point, PosteriorConfig, PosteriorReport, Sampler, SlopeRow, SweepResult};
use crate::error::{Error, Result};
use crate::measure::posterior::Gaussian;
use crate::models::{parse_posterior, AnyPosterior};
use crate::optim::{self, run_chains, ChainOutcome, RunConfig};
use crate::plot::{Figure, Mark, Series};
use crate::rng::Seed;
use crate::theory::bayes_linear_sgd::BayesLinearSgd;
use crate::theory::sghmc::SghmcGaussian;
use crate::theory::ula::UlaGaussian;

/// The target, its exact posterior and the per-sample structure.
struct Problem {
    target: AnyPosterior,
    posterior: Gaussian,
    sgd: BayesLinearSgd,
}

fn problem(cfg: &PosteriorConfig) -> Result<Problem> {
    let target = parse_posterior(&cfg.target, Seed(cfg.seed))?;
    let AnyPosterior::Linear(model) = &target else {
        return Err(Error::Unsupported(format!(
            "posterior needs a bayes-linear target (exact Gaussian posterior), got `{}`",
            cfg.target
        )));
    };
    let posterior = model.posterior()?;
    let sgd = BayesLinearSgd::from_data(
        model.data(),
        model.prior_precision(),
        model.noise_precision(),
    )?;
    Ok(Problem {
        target,
        posterior,
        sgd,
    })
}

/// The exact stationary covariance of `sampler` at `lr` and temperature
/// `t`, when theory gives it and the step is stable.
fn exact_covariance(p: &Problem, sampler: &Sampler, lr: f64, t: f64) -> Option<DMatrix<f64>> {
    let s = p.posterior.covariance();
    let m = p.posterior.mean().as_slice();
    match sampler {
        Sampler::Ula => UlaGaussian::new(m, s, lr, t)
            .ok()
            .map(|u| u.stationary_covariance()),
        Sampler::Mala => Some(s * t),
        Sampler::Sgld { batch } => p.sgd.exact_covariance(lr, Some(*batch), t).ok(),
        Sampler::Sgd { batch } => p.sgd.exact_covariance(lr, Some(*batch), 0.0).ok(),
        Sampler::Sghmc { friction } => {
            let d = s.nrows();
            SghmcGaussian::new(s, lr, *friction, &DMatrix::zeros(d, d), t)
                .and_then(|g| g.position_covariance(0.0))
                .ok()
        }
        Sampler::Psgld { .. } => None,
    }
}

/// Bootstrap replicates of W2, KL and the trace of one point.
type Replicates = [Vec<f64>; 3];

/// Runs one point: `chains` chains from exact draws of `N(theta*, T S)`.
fn run_point(
    cfg: &PosteriorConfig,
    p: &Problem,
    sampler: &Sampler,
    (step, lr, t): (f64, f64, f64),
    seed: Seed,
) -> Result<(Point, Replicates)> {
    let target_t = sampler.temperature(t);
    // SGD's reference is the posterior itself (T = 1): it is used as a
    // sampler of it (Mandt et al. 2017).
    let reference_t = if target_t > 0.0 { target_t } else { 1.0 };
    let reference = Gaussian::new(
        p.posterior.mean().clone(),
        p.posterior.covariance() * reference_t,
    )?;
    let mut start_rng = seed.child(1).rng();
    let starts: Vec<Vec<f64>> = (0..cfg.chains)
        .map(|_| {
            let mut x = vec![0.0; reference.dim()];
            reference.sample(&mut start_rng, &mut x);
            x
        })
        .collect();
    let spec = sampler.spec(lr, t);
    let optimizer = optim::parse(&spec)?;
    let run_cfg = RunConfig {
        steps: cfg.steps,
        burn_in: cfg.burn_in,
        batch: sampler.batch(),
    };
    let chains = run_chains(
        &p.target,
        &optimizer,
        &starts,
        &run_cfg,
        seed.child(0),
        |_| (),
    )?;
    let done: Vec<_> = chains
        .iter()
        .filter(|c| matches!(c.outcome, ChainOutcome::Finished))
        .collect();
    if done.len() < 2 {
        return Err(too_few(&spec, done.len()));
    }
    let moments: Vec<_> = done.iter().map(|c| &c.moments).collect();
    let stats = pooled(
        &moments,
        &reference,
        cfg.bootstrap,
        &mut seed.child(2).rng(),
    )?;
    let exact = exact_covariance(p, sampler, lr, target_t)
        .map(|c| {
            let tr = c.trace();
            exact_distances(&reference, c).map(|(w, k)| (w, k, tr))
        })
        .transpose()?;
    let acceptance = matches!(sampler, Sampler::Mala).then(|| {
        let (acc, prop) = done.iter().fold((0u64, 0u64), |(a, n), c| {
            (a + c.counts.accepted, n + c.counts.proposals)
        });
        acc as f64 / prop.max(1) as f64
    });
    let point = Point {
        step,
        lr,
        batch: sampler.batch(),
        temperature: target_t,
        finished: done.len(),
        diverged: chains.len() - done.len(),
        w2: stats.w2,
        kl: stats.kl,
        trace: stats.trace,
        exact_w2: exact.map(|e| e.0),
        exact_kl: exact.map(|e| e.1),
        exact_trace: exact.map(|e| e.2),
        acceptance,
    };
    Ok((point, stats.replicates))
}

/// A sweep in progress: its points and their replicates.
struct Swept {
    result: SweepResult,
    replicates: Vec<Replicates>,
}

impl Swept {
    /// The slope of statistic `which` (0: W2, 1: KL, 2: trace, shifted by
    /// `shift(point)`) against `x(point)`, with the exact slope from
    /// `exact(point)`.
    fn slope(
        &self,
        quantity: &str,
        asymptotic: Option<f64>,
        x: impl Fn(&Point) -> f64,
        which: usize,
        shift: impl Fn(&Point) -> Option<f64>,
        exact: impl Fn(&Point) -> Option<f64>,
    ) -> SlopeRow {
        let pick = |p: &Point| [p.w2, p.kl, p.trace][which].estimate;
        let shifts: Vec<f64> = self
            .result
            .points
            .iter()
            .map(|p| shift(p).unwrap_or(0.0))
            .collect();
        let points: Vec<(f64, f64)> = self
            .result
            .points
            .iter()
            .zip(&shifts)
            .map(|(p, s)| (x(p), pick(p) - s))
            .collect();
        let reps: Vec<Vec<f64>> = self
            .replicates
            .iter()
            .zip(&shifts)
            .map(|(r, s)| r[which].iter().map(|v| v - s).collect())
            .collect();
        let reps: Vec<&[f64]> = reps.iter().map(Vec::as_slice).collect();
        let exact_points: Option<Vec<(f64, f64)>> = self
            .result
            .points
            .iter()
            .zip(&shifts)
            .map(|(p, s)| exact(p).map(|e| (x(p), e - s)))
            .collect();
        let label = self.result.sampler.label();
        SlopeRow {
            sweep: self.result.sweep.clone(),
            // A batch sweep varies the batch: the label keeps only the name.
            sampler: match self.result.sweep.as_str() {
                "batch" => label.split(' ').next().unwrap_or_default().to_string(),
                _ => label,
            },
            quantity: quantity.into(),
            measured: boot_slope(&points, &reps),
            exact: exact_points.as_deref().and_then(exact_slope),
            asymptotic,
        }
    }
}

/// One planned sweep: its kind and its points `(sampler, step in units,
/// temperature)` (a batch sweep changes the sampler's batch from point to
/// point).
struct Plan {
    kind: &'static str,
    points: Vec<(Sampler, f64, f64)>,
}

/// Runs the planned sweeps; point `k` overall draws from
/// `Seed(cfg.seed).child(k)`.
fn sweep(
    cfg: &PosteriorConfig,
    p: &Problem,
    lambda_max: f64,
    plan: Vec<Plan>,
    progress: &dyn Fn(&str),
) -> Result<Vec<Swept>> {
    let mut k = 0u64;
    let mut out = Vec::with_capacity(plan.len());
    for Plan {
        kind,
        points: settings,
    } in plan
    {
        let Some(&(first, _, _)) = settings.first() else {
            continue;
        };
        progress(&format!("  {} ({kind} sweep)", first.label()));
        let mut points = Vec::with_capacity(settings.len());
        let mut replicates = Vec::with_capacity(settings.len());
        for (sampler, step, t) in settings {
            let lr = sampler.lr(step, lambda_max);
            let (point, reps) =
                run_point(cfg, p, &sampler, (step, lr, t), Seed(cfg.seed).child(k))?;
            k += 1;
            points.push(point);
            replicates.push(reps);
        }
        out.push(Swept {
            result: SweepResult {
                sampler: first,
                sweep: kind.into(),
                points,
            },
            replicates,
        });
    }
    Ok(out)
}

/// Runs every sweep; see the module docs.
///
/// Errors: a target other than `bayes-linear`, sizes out of range, a sweep
/// point where fewer than two chains finish.
pub fn run(cfg: &PosteriorConfig, progress: &dyn Fn(&str)) -> Result<PosteriorReport> {
    cfg.validate()?;
    let p = problem(cfg)?;
    let eigen = SymmetricEigen::new(p.sgd.hessian().clone()).eigenvalues;
    let (lambda_min, lambda_max) = (eigen.min(), eigen.max());
    let mut plan: Vec<Plan> = cfg
        .samplers
        .iter()
        .map(|s| Plan {
            kind: "step",
            points: s.steps.iter().map(|&u| (s.sampler, u, 1.0)).collect(),
        })
        .collect();
    let by_batch = |sampler: fn(usize) -> Sampler| Plan {
        kind: "batch",
        points: cfg
            .batches
            .iter()
            .map(|&b| (sampler(b), cfg.batch_step, 1.0))
            .collect(),
    };
    plan.push(by_batch(|batch| Sampler::Sgld { batch }));
    plan.push(by_batch(|batch| Sampler::Sgd { batch }));
    plan.push(Plan {
        kind: "temperature",
        points: cfg
            .temperatures
            .iter()
            .map(|&t| (Sampler::Ula, cfg.temperature_step, t))
            .collect(),
    });
    let swept = sweep(cfg, &p, lambda_max, plan, progress)?;
    let slopes = slopes(&p, &swept);
    Ok(PosteriorReport {
        config: cfg.clone(),
        lambda_max,
        lambda_min,
        sweeps: swept.into_iter().map(|s| s.result).collect(),
        slopes,
    })
}

/// The slope rows of every sweep.
fn slopes(p: &Problem, swept: &[Swept]) -> Vec<SlopeRow> {
    let mut rows = Vec::new();
    for s in swept {
        let sampler = s.result.sampler;
        match s.result.sweep.as_str() {
            "step" => {
                rows.push(s.slope(
                    "W2 vs lr",
                    sampler.w2_slope(),
                    |q| q.lr,
                    0,
                    |_| None,
                    |q| q.exact_w2,
                ));
                if sampler.w2_slope().is_some() {
                    rows.push(s.slope(
                        "KL vs lr",
                        Some(2.0),
                        |q| q.lr,
                        1,
                        |_| None,
                        |q| q.exact_kl,
                    ));
                }
            }
            "batch" => {
                // The excess over the full-batch law at the same lr and T:
                // ULA's stationary trace for SGLD, 0 for SGD.
                let full = |q: &Point| match sampler {
                    Sampler::Sgd { .. } => Some(0.0),
                    _ => exact_covariance(p, &Sampler::Ula, q.lr, q.temperature).map(|c| c.trace()),
                };
                rows.push(s.slope(
                    "tr P - tr P_full vs batch",
                    Some(-1.0),
                    |q| q.batch.unwrap_or(1) as f64,
                    2,
                    full,
                    |q| q.exact_trace,
                ));
            }
            _ => rows.push(s.slope(
                "W2 vs T",
                Some(0.5),
                |q| q.temperature,
                0,
                |_| None,
                |q| q.exact_w2,
            )),
        }
    }
    rows
}

/// A readable summary: every point, then the slopes.
pub fn format_table(r: &PosteriorReport) -> String {
    let c = &r.config;
    let mut out = format!(
        "{}: lambda(H) in [{:.4}, {:.4}]; {} chains x {} steps (burn-in {}) per point, \
         95% intervals from {} bootstrap resamples of chains; seed {}\n\
         step unit 1/lambda_max (psgld: 1/sqrt(lambda_max)); target N(theta*, T S)\n\
         psgld has no exact theory and is biased at fixed alpha (its preconditioner follows \
         the path, the Gamma term is dropped): its W2 does not vanish as lr -> 0\n",
        c.target, r.lambda_min, r.lambda_max, c.chains, c.steps, c.burn_in, c.bootstrap, c.seed
    );
    let opt = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.3e}"));
    let iv = |i: &Interval| format!("{:.3e} [{:.2e}, {:.2e}]", i.estimate, i.low, i.high);
    for s in &r.sweeps {
        let label = match s.sweep.as_str() {
            "batch" => s
                .sampler
                .label()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string(),
            _ => s.sampler.label(),
        };
        out.push_str(&format!("\n{label} ({} sweep)\n", s.sweep));
        out.push_str(&format!(
            "{:>7} {:>10} {:>5} {:>5} {:>32} {:>10} {:>32} {:>10} {:>6}\n",
            "step", "lr", "batch", "T", "W2", "exact W2", "KL", "exact KL", "div"
        ));
        for q in &s.points {
            out.push_str(&format!(
                "{:>7} {:>10.3e} {:>5} {:>5} {:>32} {:>10} {:>32} {:>10} {:>6}\n",
                q.step,
                q.lr,
                q.batch.map_or("full".into(), |b| b.to_string()),
                q.temperature,
                iv(&q.w2),
                opt(q.exact_w2),
                iv(&q.kl),
                opt(q.exact_kl),
                q.diverged
            ));
        }
    }
    out.push_str(&format!(
        "\n{:<12} {:<22} {:<26} {:>8} {:>20} {:>8} {:>10}\n",
        "sweep", "sampler", "quantity", "slope", "bootstrap 95% CI", "exact", "asymptotic"
    ));
    for row in &r.slopes {
        let (slope, ci) = row.measured.as_ref().map_or(("-".into(), "-".into()), |m| {
            (
                format!("{:.3}", m.fit.slope),
                format!("[{:.3}, {:.3}]", m.ci95[0], m.ci95[1]),
            )
        });
        out.push_str(&format!(
            "{:<12} {:<22} {:<26} {slope:>8} {ci:>20} {:>8} {:>10}\n",
            row.sweep,
            row.sampler,
            row.quantity,
            row.exact.map_or("-".into(), |v| format!("{v:.3}")),
            row.asymptotic.map_or("-".into(), |v| format!("{v}")),
        ));
    }
    out
}

/// `posterior_sweep`: W2 to the posterior against the step (in units) for
/// every sampler of the step sweep, log-log: bootstrap 95% intervals
/// (points) and the exact stationary W2 (dashed) where theory gives it.
pub fn sweep_figure(r: &PosteriorReport) -> Result<Figure> {
    let mut series = Vec::new();
    for (k, s) in r.sweeps.iter().filter(|s| s.sweep == "step").enumerate() {
        let pts: Vec<&Point> = s.points.iter().filter(|q| q.w2.low > 0.0).collect();
        series.push(Series::with_bars(
            format!("{} (bootstrap 95% CI)", s.sampler.label()),
            k,
            pts.iter().map(|q| {
                let w2 = &q.w2;
                let bar = (w2.low.min(w2.estimate), w2.high.max(w2.estimate));
                (q.step, w2.estimate, bar)
            }),
        ));
        let exact: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter_map(|q| q.exact_w2.filter(|w| *w > 0.0).map(|w| (q.step, w)))
            .collect();
        if !exact.is_empty() {
            series.push(Series {
                label: String::new(),
                mark: Mark::Dashed,
                points: exact,
                error_bars: None,
                color: k,
            });
        }
    }
    if series.is_empty() {
        return Err(Error::Unsupported(
            "posterior: no step sweep to plot".into(),
        ));
    }
    Ok(Figure {
        title: format!(
            "W2 to the posterior of {} (dashed: exact stationary law)",
            r.config.target
        ),
        x_label: "step (lr lambda_max; psgld: lr sqrt(lambda_max))".into(),
        y_label: "W2(sample Gaussian, posterior)".into(),
        log_x: true,
        log_y: true,
        series,
    })
}
