//! One module per experiment: a config with serde defaults, `run(config) -> Report`.
