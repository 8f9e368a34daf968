//! Named methods as one-line chains, and the `--optimizer` parser.
//!
//! An optimizer spec is one or more pieces joined by `+`, each
//! `name:key=value,...`: `sam:lr=0.05,rho=0.1`, or
//! `rwp:sigma=0.05 + momentum:lr=0.1,beta=0.9`. Every named method below
//! expands to the pieces its line shows; `lr=...` on any piece adds the
//! learning-rate piece at the place the method's definition puts it (before
//! displacement noise, after gradient noise), and the whole chain must have
//! exactly one learning rate (the samplers `mala`, `psgld`, `sghmc` own
//! their step and count as it). At most one probe (a method that changes
//! where the gradient is taken) is allowed.
//!
//! Samplers use the Langevin form at temperature `T`,
//! `x <- x - lr grad U + sqrt(2 lr T) xi`, whose `T = 1` law is
//! `exp(-U)`: Welling and Teh's step `epsilon`
//! (`theta += (epsilon/2) grad log p + N(0, epsilon)`) is `lr = epsilon/2`
//! (step dt vs learning rate 2 dt). [`OPTIMIZER_HELP`] is the list the CLI
//! prints.

use super::adam::Adam;
use super::anti_pgd::AntiCorrelated;
use super::clip::Clip;
use super::curvature_control::{Curvature, CurvatureControl};
use super::gaussian_noise::GaussianNoise;
use super::input::{Augmentation, InputSite};
use super::mala::Mala;
use super::momentum::Momentum;
use super::optimizer::{AnyProbe, AnyTransform, Optimizer};
use super::oscillation::Oscillation;
use super::pgd::PerturbOnSmallGradient;
use super::probe::Plain;
use super::psgld::Psgld;
use super::rwp::RandomWeight;
use super::sam::SharpnessAware;
use super::scheduled::Scheduled;
use super::sgd::Sgd;
use super::sgd_noise::SgdNoise;
use super::sghmc::Sghmc;
use super::stable_noise::StableNoise;
use super::variance_control::VarianceControl;
use super::weight_decay::WeightDecay;
use crate::error::{ensure_positive, Error, Result};
use crate::schedule;
use crate::spec::Spec;

/// Every method and piece with its expansion, one line each.
pub const OPTIMIZER_HELP: &str = "\
gd:lr                          x <- x - lr g                                    [sgd]
sgd:lr                         the same, on minibatches when --batch is given    [sgd]
noisy-gd:lr,temperature        x <- x - lr g + sqrt(2 lr T) xi                  [sgd, noise]
sgld:lr,temperature=1          noisy-gd on minibatch gradients (Welling and Teh 2011: their step epsilon is lr = epsilon/2, step dt vs learning rate 2 dt) [sgd, noise]
ula:lr,temperature=1           unadjusted Langevin x <- x - lr g + sqrt(2 lr T) xi, full batch; with --batch it is sgld [sgd, noise]
mala:lr,temperature=1          ula proposal + Metropolis-Hastings accept/reject (Roberts and Tweedie 1996); full batch, alone [mala]
psgld:lr,alpha=0.99,lambda=1e-5,temperature=1  sgld preconditioned by G = 1/(lambda + sqrt(V)), V the RMSprop mean of g^2; Gamma term dropped (Li et al. 2016) [psgld]
sghmc:lr,friction,beta_hat=0,temperature=1  v <- v - lr g - friction v + N(0, 2 (friction - beta_hat) lr T), x <- x + v (Chen et al. 2014, eq. 15) [sghmc]
sghmc-naive:lr,friction,beta_hat=0,temperature=1  the same without the friction term: NOT a sampler (Chen et al. 2014, sec. 3.1) [sghmc]
gni:lr,eta,gamma=0.55          gradient noise sigma_t^2 = eta/(1+t)^gamma (Neelakantan et al. 2015) [anneal, noise, sgd]
sgd-noise:lr,batch             gradient noise N(0, |H|/B): SGD-like anisotropic [sgd-noise, sgd]
levy:lr,sigma,alpha            alpha-stable gradient noise of scale sigma        [stable-noise, sgd]
pgd:lr,radius,g_thres,t_thres=10  jump uniform in a ball when |g| <= g_thres (Jin et al. 2017) [sgd, jump]
anti-pgd:lr,sigma              x <- x - lr g + sigma (xi_{t+1} - xi_t) (Orvieto et al. 2022) [sgd, anti-noise]
rwp:lr,sigma                   gradient at x + sigma z                           [probe, sgd]
sam:lr,rho                     gradient at x + rho g/|g| (Foret et al. 2021)     [probe, sgd]
asam:lr,rho,eta=0.01           adaptive SAM, T_x = |x| + eta (Kwon et al. 2021)  [probe, sgd]
oscillate:lr,amplitude,period  gradient at x + A sin(2 pi t/P) e                [probe, sgd]
momentum:lr,beta=0.9           heavy ball                                        [momentum, sgd]
nesterov:lr,beta=0.9           Nesterov momentum                                 [momentum, sgd]
adam:lr,b1=0.9,b2=0.999,eps=1e-8  Adam (Kingma and Ba 2015)                      [adam, sgd]
var-noise:lr,target,beta=0.9,every=1  top gradient noise up to variance target   [controller, noise, sgd]
curv-noise:lr,sigma,reference,power=1,every=10,probes=10,top=0,cap=10  noise x (kappa/reference)^power, kappa = Tr H/d or top eigenvalue (top=S Lanczos steps) [controller, noise, sgd]
noise:sigma[,lr]               isotropic Gaussian noise on u                    [noise]
stable-noise:sigma,alpha[,lr]  alpha-stable noise on u                          [stable-noise]
anti-noise:sigma[,lr]          anti-correlated noise on u                        [anti-noise]
weight-decay:lambda[,lr]       u <- u + lambda x                                 [weight-decay]
clip:max_norm[,lr]             clip |u| to max_norm                              [clip]
input-noise:sigma              Gaussian noise on every sample input (inputs site)
dropout:p                      inverted dropout on every sample input (inputs site)
SCHEDULE                       any schedule spec (poly, anneal, exp, cosine, cyclic, constant) scales the noise pieces after it";

/// The method names (schedules excluded), in the order of [`OPTIMIZER_HELP`].
pub const OPTIMIZER_NAMES: [&str; 30] = [
    "gd",
    "sgd",
    "noisy-gd",
    "sgld",
    "ula",
    "mala",
    "psgld",
    "sghmc",
    "sghmc-naive",
    "gni",
    "sgd-noise",
    "levy",
    "pgd",
    "anti-pgd",
    "rwp",
    "sam",
    "asam",
    "oscillate",
    "momentum",
    "nesterov",
    "adam",
    "var-noise",
    "curv-noise",
    "noise",
    "stable-noise",
    "anti-noise",
    "weight-decay",
    "clip",
    "input-noise",
    "dropout",
];

/// The pieces collected so far.
#[derive(Default)]
struct Builder {
    inputs: InputSite,
    probe: Option<AnyProbe>,
    chain: Vec<AnyTransform>,
    learning_rates: usize,
}

impl Builder {
    fn probe(&mut self, probe: AnyProbe) -> Result<()> {
        if self.probe.replace(probe).is_some() {
            return Err(Error::Unsupported(
                "an optimizer takes at most one probe (rwp, sam, asam, oscillate)".into(),
            ));
        }
        Ok(())
    }

    fn push(&mut self, piece: AnyTransform) {
        if piece.sets_step() {
            self.learning_rates += 1;
        }
        self.chain.push(piece);
    }

    /// Adds `sgd:lr` if the spec gives `lr`.
    fn learning_rate(&mut self, lr: Option<f64>) -> Result<()> {
        if let Some(lr) = lr {
            self.push(AnyTransform::Sgd(Sgd::new(lr)?));
        }
        Ok(())
    }
}

/// Parses an optimizer spec (see the module docs and [`OPTIMIZER_HELP`]).
///
/// Errors name the offending piece: an unknown method, a missing or
/// unknown parameter, an invalid value, no learning rate, two learning
/// rates, two probes, or a schedule with no noise after it.
pub fn parse(text: &str) -> Result<Optimizer> {
    let mut builder = Builder::default();
    for piece in text.split('+') {
        add_piece(&mut builder, piece.trim())?;
    }
    if builder.learning_rates != 1 {
        return Err(Error::BadSpec {
            kind: "optimizer",
            spec: text.to_string(),
            reason: format!(
                "needs exactly one learning rate (lr=... on one piece), got {}",
                builder.learning_rates
            ),
        });
    }
    let probe = builder.probe.unwrap_or(AnyProbe::Plain(Plain));
    Optimizer::new(builder.inputs, probe, builder.chain)
}

fn add_piece(b: &mut Builder, text: &str) -> Result<()> {
    let mut spec = Spec::parse("optimizer", text)?;
    let name = spec.name().to_string();
    if schedule::SCHEDULE_NAMES.contains(&name.as_str()) {
        b.push(AnyTransform::Scheduled(Scheduled::new(schedule::parse(
            text,
        )?)));
        return Ok(());
    }
    let inputs_site = matches!(name.as_str(), "input-noise" | "dropout");
    let lr = if inputs_site {
        None
    } else {
        spec.take_optional("lr")?
    };
    let keys: &[&str] = match name.as_str() {
        "gd" | "sgd" => {
            b.learning_rate(Some(lr.ok_or_else(|| missing(text, "lr"))?))?;
            &["lr"]
        }
        "noisy-gd" | "sgld" | "ula" => {
            let lr = lr.ok_or_else(|| missing(text, "lr"))?;
            let default_t = if name == "noisy-gd" { None } else { Some(1.0) };
            let t = match default_t {
                Some(d) => spec.take_or("temperature", d)?,
                None => spec.take_required("temperature")?,
            };
            let t = ensure_positive("temperature", t)?;
            b.learning_rate(Some(lr))?;
            b.push(AnyTransform::GaussianNoise(GaussianNoise::new(
                (2.0 * lr * t).sqrt(),
            )?));
            &["lr", "temperature"]
        }
        "mala" => {
            let lr = lr.ok_or_else(|| missing(text, "lr"))?;
            let t = spec.take_or("temperature", 1.0)?;
            b.push(AnyTransform::Mala(Mala::new(lr, t)?));
            &["lr", "temperature"]
        }
        "psgld" => {
            let lr = lr.ok_or_else(|| missing(text, "lr"))?;
            let alpha = spec.take_or("alpha", 0.99)?;
            let lambda = spec.take_or("lambda", 1e-5)?;
            let t = spec.take_or("temperature", 1.0)?;
            b.push(AnyTransform::Psgld(Psgld::new(lr, alpha, lambda, t)?));
            &["lr", "alpha", "lambda", "temperature"]
        }
        "sghmc" | "sghmc-naive" => {
            let lr = lr.ok_or_else(|| missing(text, "lr"))?;
            let friction = spec.take_required("friction")?;
            let beta_hat = spec.take_or("beta_hat", 0.0)?;
            let t = spec.take_or("temperature", 1.0)?;
            b.push(AnyTransform::Sghmc(Sghmc::new(
                lr,
                friction,
                beta_hat,
                t,
                name == "sghmc",
            )?));
            &["lr", "friction", "beta_hat", "temperature"]
        }
        "gni" => {
            let eta = spec.take_required("eta")?;
            let gamma = spec.take_or("gamma", 0.55)?;
            b.push(AnyTransform::Scheduled(Scheduled::new(
                schedule::Schedule::anneal(eta, gamma)?,
            )));
            b.push(AnyTransform::GaussianNoise(GaussianNoise::new(1.0)?));
            b.learning_rate(lr)?;
            &["lr", "eta", "gamma"]
        }
        "sgd-noise" => {
            b.push(AnyTransform::SgdNoise(SgdNoise::new(
                spec.take_required("batch")?,
            )?));
            b.learning_rate(lr)?;
            &["lr", "batch"]
        }
        "levy" | "stable-noise" => {
            let sigma = spec.take_required("sigma")?;
            let alpha = spec.take_required("alpha")?;
            b.push(AnyTransform::StableNoise(StableNoise::new(sigma, alpha)?));
            b.learning_rate(lr)?;
            &["lr", "sigma", "alpha"]
        }
        "pgd" => {
            b.learning_rate(lr)?;
            let radius = spec.take_required("radius")?;
            let g_thres = spec.take_required("g_thres")?;
            let t_thres = spec.take_count("t_thres", 10)?;
            b.push(AnyTransform::PerturbOnSmallGradient(
                PerturbOnSmallGradient::new(radius, g_thres, t_thres)?,
            ));
            &["lr", "radius", "g_thres", "t_thres"]
        }
        "anti-pgd" | "anti-noise" => {
            b.learning_rate(lr)?;
            b.push(AnyTransform::AntiCorrelated(AntiCorrelated::new(
                spec.take_required("sigma")?,
            )?));
            &["lr", "sigma"]
        }
        "rwp" => {
            b.probe(AnyProbe::RandomWeight(RandomWeight::new(
                spec.take_required("sigma")?,
            )?))?;
            b.learning_rate(lr)?;
            &["lr", "sigma"]
        }
        "sam" => {
            b.probe(AnyProbe::SharpnessAware(SharpnessAware::sam(
                spec.take_required("rho")?,
            )?))?;
            b.learning_rate(lr)?;
            &["lr", "rho"]
        }
        "asam" => {
            let rho = spec.take_required("rho")?;
            let eta = spec.take_or("eta", 0.01)?;
            b.probe(AnyProbe::SharpnessAware(SharpnessAware::asam(rho, eta)?))?;
            b.learning_rate(lr)?;
            &["lr", "rho", "eta"]
        }
        "oscillate" => {
            let amplitude = spec.take_required("amplitude")?;
            let period = spec.take_required("period")?;
            b.probe(AnyProbe::Oscillation(Oscillation::new(amplitude, period)?))?;
            b.learning_rate(lr)?;
            &["lr", "amplitude", "period"]
        }
        "momentum" | "nesterov" => {
            let beta = spec.take_or("beta", 0.9)?;
            b.push(AnyTransform::Momentum(Momentum::new(
                beta,
                name == "nesterov",
            )?));
            b.learning_rate(lr)?;
            &["lr", "beta"]
        }
        "adam" => {
            let b1 = spec.take_or("b1", 0.9)?;
            let b2 = spec.take_or("b2", 0.999)?;
            let eps = spec.take_or("eps", 1e-8)?;
            b.push(AnyTransform::Adam(Adam::new(b1, b2, eps)?));
            b.learning_rate(lr)?;
            &["lr", "b1", "b2", "eps"]
        }
        "var-noise" => {
            let target = spec.take_required("target")?;
            let beta = spec.take_or("beta", 0.9)?;
            let every = spec.take_count("every", 1)?;
            b.push(AnyTransform::VarianceControl(VarianceControl::new(
                target, beta, every,
            )?));
            b.push(AnyTransform::GaussianNoise(GaussianNoise::new(1.0)?));
            b.learning_rate(lr)?;
            &["lr", "target", "beta", "every"]
        }
        "curv-noise" => {
            let sigma = spec.take_required("sigma")?;
            let reference = spec.take_required("reference")?;
            let power = spec.take_or("power", 1.0)?;
            let every = spec.take_count("every", 10)?;
            let probes = spec.take_count("probes", 10)?;
            let top = spec.take_count("top", 0)?;
            let cap = spec.take_or("cap", 10.0)?;
            let curvature = if top > 0 {
                Curvature::TopEigenvalue {
                    steps: top as usize,
                }
            } else {
                Curvature::MeanEigenvalue {
                    probes: probes as usize,
                }
            };
            b.push(AnyTransform::CurvatureControl(CurvatureControl::new(
                curvature, every, reference, power, cap,
            )?));
            b.push(AnyTransform::GaussianNoise(GaussianNoise::new(sigma)?));
            b.learning_rate(lr)?;
            &[
                "lr",
                "sigma",
                "reference",
                "power",
                "every",
                "probes",
                "top",
                "cap",
            ]
        }
        "noise" => {
            b.push(AnyTransform::GaussianNoise(GaussianNoise::new(
                spec.take_required("sigma")?,
            )?));
            b.learning_rate(lr)?;
            &["lr", "sigma"]
        }
        "weight-decay" => {
            b.push(AnyTransform::WeightDecay(WeightDecay::new(
                spec.take_required("lambda")?,
            )?));
            b.learning_rate(lr)?;
            &["lr", "lambda"]
        }
        "clip" => {
            b.push(AnyTransform::Clip(Clip::new(
                spec.take_required("max_norm")?,
            )?));
            b.learning_rate(lr)?;
            &["lr", "max_norm"]
        }
        "input-noise" => {
            b.inputs
                .push(Augmentation::gaussian(spec.take_required("sigma")?)?);
            &["sigma"]
        }
        "dropout" => {
            b.inputs
                .push(Augmentation::dropout(spec.take_required("p")?)?);
            &["p"]
        }
        _ => {
            return Err(Error::Unknown {
                kind: "optimizer",
                name,
                known: OPTIMIZER_NAMES.join(", ") + ", or a schedule",
            })
        }
    };
    spec.finish(keys)
}

fn missing(text: &str, what: &str) -> Error {
    Error::BadSpec {
        kind: "optimizer",
        spec: text.to_string(),
        reason: format!("missing parameter {what}"),
    }
}
