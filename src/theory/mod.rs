//! Closed-form predictions; each function cites its proof file in `proofs/`.
