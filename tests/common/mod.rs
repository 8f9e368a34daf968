//! Helpers shared by the integration tests: a scratch directory that
//! removes itself, and a rayon pool of a chosen size. Each test crate
//! includes this file with `mod common;`; as a subdirectory module it is
//! not built as a test crate of its own.

// Each test crate uses only some of the helpers; the rest would warn there.
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// A directory `<temp>/perturbo-<suite>-<pid>-<name>` owned by one test and
/// removed when dropped, so a passing test leaves nothing behind and a
/// failing one cleans up while unwinding. The suite (one per test file)
/// keeps test files running in parallel apart, the process id keeps
/// concurrent runs apart, and the name keeps the tests of one file apart.
/// Bind it to a named variable (not `_`) so it lives to the end of the test.
pub struct ScratchDir {
    path: PathBuf,
}

impl ScratchDir {
    /// The directory, emptied of any leftover of an earlier run and created.
    pub fn new(suite: &str, name: &str) -> Self {
        let dir = Self::unmade(suite, name);
        std::fs::create_dir_all(&dir.path).unwrap();
        dir
    }

    /// The same path with any leftover removed but not created, for code
    /// under test that must create the directory itself (or must not).
    pub fn unmade(suite: &str, name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("perturbo-{suite}-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self { path }
    }
}

impl Deref for ScratchDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for ScratchDir {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchDir {
    /// Removes the directory; an error (say, it was never made) is ignored,
    /// since a panic here while unwinding would abort the test binary.
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs `f` in a fresh rayon pool of `threads` threads, for tests that
/// check a result does not depend on the thread count.
pub fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a rayon pool builds")
        .install(f)
}
