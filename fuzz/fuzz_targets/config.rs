//! The config loader (`config::load_text`, the string form of `config::load`) on arbitrary TOML
//! and JSON, with arbitrary environment variables on top.
//!
//! Input: one byte choosing the format (even: TOML, odd: JSON), then UTF-8 text; after the first
//! NUL, `NAME=VALUE` lines are the environment.
//!
//! Checks: nothing panics, in the loader or in what the server derives from an accepted config at
//! start-up; an accepted config serialises.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|input: &[u8]| {
    let Some((&format, text)) = input.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let (text, env) = text.split_once('\0').unwrap_or((text, ""));
    let env: HashMap<&str, &str> = env.lines().filter_map(|l| l.split_once('=')).collect();
    let lookup = |name: &str| env.get(name).map(|v| v.to_string());
    let extension = if format % 2 == 0 { "toml" } else { "json" };
    let Ok(loaded) = sockudo::config::load_text(text, extension, &lookup) else {
        return;
    };
    let config = loaded.config;
    let _ = config.limit_defaults();
    let _ = config.delta_defaults();
    let _ = config.database_settings();
    serde_json::to_value(&config).expect("an accepted config serialises");
});
