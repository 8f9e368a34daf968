//! Model specs: `mlp:784-512-256-10[,act=relu][,loss=xent][,init=he]` and
//! `lenet5[:act=relu][,loss=xent][,init=he]`.
//!
//! `mlp`: widths joined by `-`, input first, output last; a dense layer
//! between each pair of widths, the activation after every one but the
//! last. `lenet5`: LeNet-5 on `1 x 28 x 28` inputs as in W2b of
//! BENCHMARKS.md (after LeCun, Bottou, Bengio and Haffner 1998,
//! "Gradient-based learning applied to document recognition", section
//! II.B, with ReLU and max pooling): conv 6@5x5 with padding 2, act,
//! max-pool 2; conv 16@5x5, act, max-pool 2; dense 400-120-84-10 with the
//! activation between dense layers. Options: `act` ([`Activation::NAMES`],
//! default `relu`), `loss` ([`Loss::NAMES`], default `xent`), `init`
//! ([`Init::NAMES`], default `he` for ReLU and GELU, `glorot` for tanh).

use super::activate::Activate;
use super::activation::Activation;
use super::any_layer::AnyLayer;
use super::conv::Conv2d;
use super::init::Init;
use super::layer::{Layer, Shape};
use super::loss::Loss;
use super::network::{push_dense_stack, Network};
use super::pool::MaxPool2d;
use crate::error::{Error, Result};

/// The model names [`Network::parse`] accepts.
const MODELS: &str = "mlp, lenet5";

/// Options common to every model spec.
struct Options {
    act: Activation,
    loss: Loss,
    init: Init,
}

impl Network {
    /// Parses a model spec (see the module documentation).
    pub fn parse(text: &str) -> Result<Self> {
        let bad = |reason: String| Error::BadSpec {
            kind: "model",
            spec: text.to_string(),
            reason,
        };
        let (name, rest) = text.split_once(':').unwrap_or((text, ""));
        let mut items = rest.split(',').map(str::trim).filter(|s| !s.is_empty());
        match name.trim() {
            "mlp" => {
                let widths = items.next().unwrap_or("");
                if widths.is_empty() || widths.contains('=') {
                    return Err(bad(
                        "missing layer widths (expected e.g. mlp:784-512-10)".into()
                    ));
                }
                let sizes = parse_widths(widths).map_err(bad)?;
                let o = parse_options(items).map_err(|e| e.into_error(&bad))?;
                Network::mlp(&sizes, o.act, o.loss, o.init)
            }
            "lenet5" => {
                let o = parse_options(items).map_err(|e| e.into_error(&bad))?;
                lenet5(o)
            }
            other => Err(Error::Unknown {
                kind: "model",
                name: other.to_string(),
                known: MODELS.to_string(),
            }),
        }
    }
}

/// Layer widths `784-512-10`: at least two, all positive whole numbers.
fn parse_widths(widths: &str) -> std::result::Result<Vec<usize>, String> {
    let sizes = widths
        .split('-')
        .map(|w| {
            w.trim()
                .parse::<usize>()
                .map_err(|_| format!("layer width `{w}` is not a whole number"))
        })
        .collect::<std::result::Result<Vec<usize>, String>>()?;
    if sizes.len() < 2 {
        return Err(format!(
            "needs at least an input and an output width, got {} width",
            sizes.len()
        ));
    }
    if let Some(i) = sizes.iter().position(|&w| w == 0) {
        return Err(format!("layer width {i} is 0; widths must be positive"));
    }
    Ok(sizes)
}

/// Why options failed: a malformed item (reported as a bad spec) or an
/// unknown name of an activation, loss or initialisation.
enum OptionError {
    Malformed(String),
    Name(Error),
}

impl OptionError {
    fn into_error(self, bad: &impl Fn(String) -> Error) -> Error {
        match self {
            Self::Malformed(reason) => bad(reason),
            Self::Name(e) => e,
        }
    }
}

/// `act=..`, `loss=..`, `init=..` in any order, each optional.
fn parse_options<'a>(
    items: impl Iterator<Item = &'a str>,
) -> std::result::Result<Options, OptionError> {
    let (mut act, mut loss, mut init) = (Activation::Relu, Loss::CrossEntropy, None);
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or_else(|| OptionError::Malformed(format!("`{item}` is not key=value")))?;
        let value = value.trim();
        match key.trim() {
            "act" => act = Activation::parse(value).map_err(OptionError::Name)?,
            "loss" => loss = Loss::parse(value).map_err(OptionError::Name)?,
            "init" => init = Some(Init::parse(value).map_err(OptionError::Name)?),
            k => {
                return Err(OptionError::Malformed(format!(
                    "unknown option `{k}`; accepted: act, loss, init"
                )))
            }
        }
    }
    let init = init.unwrap_or(match act {
        Activation::Tanh => Init::Glorot,
        Activation::Relu | Activation::Gelu => Init::He,
    });
    Ok(Options { act, loss, init })
}

/// LeNet-5 as W2b of BENCHMARKS.md (see the module documentation).
fn lenet5(o: Options) -> Result<Network> {
    let input = Shape {
        channels: 1,
        height: 28,
        width: 28,
    };
    let mut layers: Vec<AnyLayer> = Vec::new();
    let mut shape = input;
    for (channels, padding) in [(6, 2), (16, 0)] {
        let conv = Conv2d::new(shape, channels, 5, padding)?;
        let act = Activate::new(o.act, conv.output_len())?;
        let pool = MaxPool2d::new(conv.output_shape(), 2)?;
        shape = pool.output_shape();
        layers.extend([conv.into(), act.into(), pool.into()]);
    }
    push_dense_stack(&mut layers, &[shape.len(), 120, 84, 10], o.act)?;
    Network::new(layers, o.loss, o.init)
}
