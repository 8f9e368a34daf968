//! Atomic output: a result file is either complete or absent.
//!
//! Every file the library or the CLI writes goes through [`write_atomic`]:
//! the bytes go to a temporary file in the same directory, are flushed to
//! disk, and the temporary is renamed over the target (rename is atomic on
//! POSIX file systems). A crash mid-write leaves no half result.
//!
//! The checkpoints of resumable runs (`perturbo train`, `perturbo run`) are
//! written this way too, by `save_checkpoint`; `load_checkpoint` reads
//! one back and refuses a checkpoint of another configuration.

use std::io::Write;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{io_error, Error, Result};

/// Writes `bytes` to `path` atomically, creating parent directories.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "output path has no file name",
        )
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A checkpoint file's contents: the configuration of the run it belongs
/// to and the run's state, as one JSON object `{"config", "state"}`.
#[derive(Serialize, Deserialize)]
struct Checkpoint<C, S> {
    config: C,
    state: S,
}

/// Writes `state` of the run configured by `config` to the checkpoint file
/// `path`, atomically ([`write_atomic`]).
///
/// # Errors
/// A state that cannot be encoded, or a failed write.
pub(crate) fn save_checkpoint<C: Serialize, S: Serialize>(
    path: &Path,
    config: &C,
    state: &S,
) -> Result<()> {
    let bytes = serde_json::to_vec(&Checkpoint { config, state })
        .map_err(|e| Error::Unsupported(format!("cannot encode the checkpoint: {e}")))?;
    write_atomic(path, &bytes).map_err(|e| io_error("write", path, e))
}

/// The state saved in the checkpoint file `path` for the run configured by
/// `config`, or `None` if there is no such file. `kind` names the run in
/// the error for a file that is not its checkpoint ("train", "run").
///
/// # Errors
/// An unreadable file, a file that is not a `kind` checkpoint, or a
/// checkpoint written for another configuration (resuming it would mix two
/// runs).
pub(crate) fn load_checkpoint<C: DeserializeOwned + PartialEq, S: DeserializeOwned>(
    path: &Path,
    kind: &str,
    config: &C,
) -> Result<Option<S>> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("read", path, e)),
    };
    let saved: Checkpoint<C, S> = serde_json::from_slice(&bytes).map_err(|e| {
        Error::Unsupported(format!(
            "{} is not a perturbo {kind} checkpoint: {e}",
            path.display()
        ))
    })?;
    if saved.config != *config {
        return Err(Error::Unsupported(format!(
            "the checkpoint {} was written for a different configuration; remove it or run that configuration",
            path.display()
        )));
    }
    Ok(Some(saved.state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("perturbo-io-{}", std::process::id()));
        let path = dir.join("sub").join("out.json");
        write_atomic(&path, b"{\"a\":1}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"a\":1}");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(
            leftovers.is_empty(),
            "temporary files left behind: {leftovers:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
