//! The `mlp:` model spec: `mlp:784-512-256-10[,act=relu][,loss=xent][,init=he]`.
//!
//! Widths are joined by `-`, input first, output last. Options: `act`
//! ([`Activation::NAMES`], default `relu`), `loss` ([`Loss::NAMES`], default
//! `xent`), `init` ([`Init::NAMES`], default `he` for ReLU and GELU,
//! `glorot` for tanh).

use super::activation::Activation;
use super::init::Init;
use super::loss::Loss;
use super::network::Network;
use crate::error::{Error, Result};

impl Network {
    /// Parses an `mlp:` spec (see the module documentation).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: String| Error::BadSpec {
            kind: "model",
            spec: text.to_string(),
            reason,
        };
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        if name.trim() != "mlp" {
            return Err(Error::Unknown {
                kind: "model",
                name: name.trim().to_string(),
                known: "mlp".to_string(),
            });
        }
        let mut items = rest.split(',').map(str::trim);
        let widths = items.next().unwrap_or("");
        if widths.is_empty() {
            return Err(bad(
                "missing layer widths (expected e.g. mlp:784-512-10)".into()
            ));
        }
        let sizes = widths
            .split('-')
            .map(|w| {
                w.trim()
                    .parse::<usize>()
                    .map_err(|_| bad(format!("layer width `{w}` is not a whole number")))
            })
            .collect::<Result<Vec<usize>>>()?;
        if sizes.len() < 2 {
            return Err(bad(format!(
                "needs at least an input and an output width, got {} width",
                sizes.len()
            )));
        }
        if let Some(i) = sizes.iter().position(|&w| w == 0) {
            return Err(bad(format!(
                "layer width {i} is 0; widths must be positive"
            )));
        }
        let (mut act, mut loss, mut init) = (Activation::Relu, Loss::CrossEntropy, None);
        for item in items {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| bad(format!("`{item}` is not key=value")))?;
            match key.trim() {
                "act" => act = Activation::parse(value.trim())?,
                "loss" => loss = Loss::parse(value.trim())?,
                "init" => init = Some(Init::parse(value.trim())?),
                k => {
                    return Err(bad(format!(
                        "unknown option `{k}`; accepted: act, loss, init"
                    )))
                }
            }
        }
        let init = init.unwrap_or(match act {
            Activation::Tanh => Init::Glorot,
            Activation::Relu | Activation::Gelu => Init::He,
        });
        Network::new(&sizes, act, loss, init)
    }
}
