//! `perturbo figures`: every figure of the paper, regenerated deterministically.
//!
//! Each figure is written as PNG and SVG next to the JSON of the data it
//! shows, all through atomic writes. The same seed gives the same files.

use std::path::{Path, PathBuf};

use super::{
    arrhenius, converge, flatness, noise_types, optim_claims, order, posterior, weak_order,
};
use crate::error::{io_error, Error, Result};
use crate::plot::{self, Figure};

/// Writes `figure` and its data `report` as `dir/stem.{png,svg,json}`.
fn write<T: serde::Serialize>(
    dir: &Path,
    stem: &str,
    figure: &Figure,
    report: &T,
) -> Result<Vec<PathBuf>> {
    let mut written = plot::save(figure, dir, stem)?;
    let json = dir.join(format!("{stem}.json"));
    let text = serde_json::to_string_pretty(report)
        .map_err(|e| Error::Unsupported(format!("cannot serialise {stem}: {e}")))?;
    crate::io::write_atomic(&json, text.as_bytes()).map_err(|e| io_error("write", &json, e))?;
    written.push(json);
    Ok(written)
}

/// Regenerates every figure into `dir` with master seed `seed`; `quick`
/// shrinks the ensembles (for a fast look, not for the paper).
pub fn regenerate(dir: &Path, seed: u64, quick: bool, log: &dyn Fn(&str)) -> Result<Vec<PathBuf>> {
    let mut written = Vec::new();

    log("arrhenius: escape from a sharp and a flat minimum under white noise");
    let mut cfg = arrhenius::ArrheniusConfig {
        seed,
        ..Default::default()
    };
    if quick {
        cfg.paths = 100;
        cfg.barrier_over_eps.truncate(3);
    }
    let report = arrhenius::run(&cfg, log)?;
    written.extend(write(
        dir,
        "arrhenius",
        &arrhenius::figure(&report)?,
        &report,
    )?);

    log("noise_types: white vs SGD-like vs alpha-stable noise");
    let mut cfg = noise_types::NoiseTypesConfig {
        seed,
        ..Default::default()
    };
    if quick {
        cfg.paths = 100;
    }
    let report = noise_types::run(&cfg, log)?;
    written.extend(write(
        dir,
        "noise_types",
        &noise_types::figure(&report)?,
        &report,
    )?);

    log("flatness: how often each method ends in the flat minimum");
    let base = if quick {
        flatness::FlatnessConfig::quick()
    } else {
        flatness::FlatnessConfig::default()
    };
    let report = flatness::run(&flatness::FlatnessConfig { seed, ..base }, log)?;
    written.extend(write(
        dir,
        "flatness",
        &flatness::figure(&report)?,
        &report,
    )?);

    log("converge: distance to the optimum against iterations, against the SGD bound");
    let base = if quick {
        converge::ConvergeConfig::quick()
    } else {
        converge::ConvergeConfig::default()
    };
    let report = converge::run(&converge::ConvergeConfig { seed, ..base }, log)?;
    written.extend(write(
        dir,
        "converge",
        &converge::figure(&report)?,
        &report,
    )?);

    log("sgd_weak_order: SGD vs its SDE limit, weak error against the step");
    let base = if quick {
        weak_order::WeakOrderConfig::quick()
    } else {
        weak_order::WeakOrderConfig::default()
    };
    let report = weak_order::run(&weak_order::WeakOrderConfig { seed, ..base }, log)?;
    written.extend(write(
        dir,
        "sgd_weak_order",
        &weak_order::figure(&report)?,
        &report,
    )?);

    log("optim_claims: five optimizer claims against their closed forms");
    let cfg = optim_claims::OptimClaimsConfig { seed, quick };
    for (name, figure, json) in optim_claims::run_all(&cfg, log)? {
        written.extend(write(dir, name, &figure, &json)?);
    }

    log("posterior: samplers against the exact posterior, and the posterior claims");
    for (name, figure, json) in posterior::figures(seed, quick, log)? {
        written.extend(write(dir, name, &figure, &json)?);
    }

    log("order: strong and weak orders of the schemes");
    let base = if quick {
        order::OrderConfig::quick()
    } else {
        order::OrderConfig::default()
    };
    let report = order::run(&order::OrderConfig { seed, ..base })?;
    written.extend(write(dir, "order", &order::figure(&report), &report)?);
    for problem in ["ou", "oscillator"] {
        let figure = order::problem_figure(&report, problem);
        written.extend(plot::save(&figure, dir, &format!("order_{problem}"))?);
    }
    Ok(written)
}
