//! `name:key=value,...` specifications, as written on the command line.
//!
//! A value may be a list: a comma-separated item without `=` continues the
//! previous key, so `quadratic:h=2,5` gives `h = [2, 5]`. Every key must be
//! consumed by the constructor that reads the spec ([`Spec::finish`]), so a
//! misspelt parameter is an error, not silently ignored.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A parsed `name:key=value,...` specification.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    kind: &'static str,
    text: String,
    name: String,
    params: BTreeMap<String, Vec<f64>>,
}

impl Spec {
    /// Parses `text`; `kind` names what it specifies ("landscape", "noise", ...)
    /// for error messages.
    pub fn parse(kind: &'static str, text: &str) -> Result<Self> {
        let bad = |reason: String| Error::BadSpec {
            kind,
            spec: text.to_string(),
            reason,
        };
        let (name, rest) = match text.split_once(':') {
            Some((n, r)) => (n.trim(), Some(r)),
            None => (text.trim(), None),
        };
        if name.is_empty() {
            return Err(bad("missing name".into()));
        }
        let mut params: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut last: Option<String> = None;
        for item in rest.into_iter().flat_map(|r| r.split(',')) {
            let item = item.trim();
            if item.is_empty() {
                return Err(bad("empty item".into()));
            }
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim().to_string(), v.trim()),
                None => (
                    last.clone()
                        .ok_or_else(|| bad(format!("`{item}` has no key (expected key=value)")))?,
                    item,
                ),
            };
            let number: f64 = value
                .parse()
                .map_err(|_| bad(format!("`{value}` is not a number (parameter {key})")))?;
            if !number.is_finite() {
                return Err(bad(format!("parameter {key} must be finite, got {value}")));
            }
            if item.contains('=') && params.contains_key(&key) {
                return Err(bad(format!("parameter {key} given twice")));
            }
            params.entry(key.clone()).or_default().push(number);
            last = Some(key);
        }
        Ok(Self {
            kind,
            text: text.to_string(),
            name: name.to_string(),
            params,
        })
    }

    /// The name before the colon.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn error(&self, reason: String) -> Error {
        Error::BadSpec {
            kind: self.kind,
            spec: self.text.clone(),
            reason,
        }
    }

    /// Removes and returns the list given for `key`, if any.
    pub fn take_list(&mut self, key: &str) -> Option<Vec<f64>> {
        self.params.remove(key)
    }

    /// Removes and returns the single number given for `key`, or `default`.
    pub fn take_or(&mut self, key: &str, default: f64) -> Result<f64> {
        match self.params.remove(key) {
            None => Ok(default),
            Some(v) if v.len() == 1 => Ok(v[0]),
            Some(v) => {
                Err(self.error(format!("parameter {key} takes one number, got {}", v.len())))
            }
        }
    }

    /// Removes and returns the single number given for `key`, if any.
    pub fn take_optional(&mut self, key: &str) -> Result<Option<f64>> {
        match self.params.get(key) {
            None => Ok(None),
            Some(_) => self.take_or(key, f64::NAN).map(Some),
        }
    }

    /// Removes and returns the single number given for `key`; an error
    /// naming the key if it is absent.
    pub fn take_required(&mut self, key: &str) -> Result<f64> {
        self.take_optional(key)?
            .ok_or_else(|| self.error(format!("missing parameter {key}")))
    }

    /// Removes and returns the count given for `key` (a non-negative
    /// integer), or `default`.
    pub fn take_count(&mut self, key: &str, default: u64) -> Result<u64> {
        match self.take_optional(key)? {
            None => Ok(default),
            Some(v) if v >= 0.0 && v.fract().total_cmp(&0.0).is_eq() && v < 2f64.powi(53) => {
                Ok(v as u64)
            }
            Some(v) => Err(self.error(format!(
                "parameter {key} must be a non-negative integer, got {v}"
            ))),
        }
    }

    /// Fails if any parameter was not consumed; `known` lists the accepted keys.
    pub fn finish(self, known: &[&str]) -> Result<()> {
        match self.params.keys().next() {
            None => Ok(()),
            Some(k) => Err(self.error(format!(
                "unknown parameter `{k}` for {}; accepted: {}",
                self.name,
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_continue_the_previous_key() {
        let mut s = Spec::parse("landscape", "quadratic:h=2,5,c=1").unwrap();
        assert_eq!(s.name(), "quadratic");
        assert_eq!(s.take_list("h"), Some(vec![2.0, 5.0]));
        assert_eq!(s.take_list("c"), Some(vec![1.0]));
        s.finish(&["h", "c"]).unwrap();
    }

    #[test]
    fn rejects_leftovers_and_garbage() {
        let s = Spec::parse("landscape", "double-well:b=1").unwrap();
        let msg = s.finish(&[]).unwrap_err().to_string();
        assert!(msg.contains("unknown parameter `b`"), "{msg}");
        assert!(Spec::parse("landscape", "x:a=nan").is_err());
        assert!(Spec::parse("landscape", "x:a=oops").is_err());
        assert!(Spec::parse("landscape", "x:5").is_err());
        assert!(Spec::parse("landscape", ":a=1").is_err());
        assert!(Spec::parse("landscape", "x:a=1,a=2").is_err());
    }
}
