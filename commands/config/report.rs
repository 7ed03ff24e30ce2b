//! `sockudo config check --json`: the same checks, as objects a script can read.

use anyhow::bail;
use serde::Serialize;
use sockudo::config::{self, LoadError};
use std::path::Path;

#[derive(Debug, PartialEq, Serialize)]
struct Problem {
    /// The dotted key path (`adapter.driver`), when the problem names one.
    key: Option<String>,
    /// The line in a TOML file, when it can be told.
    line: Option<usize>,
    message: String,
    /// `error` (the config is refused) or `warning` (a key sockudo does not use).
    severity: &'static str,
}

#[derive(Serialize)]
struct Report<'a> {
    file: Option<&'a Path>,
    valid: bool,
    problems: Vec<Problem>,
}

/// Prints the report and fails (exit 1) when the config is refused; `strict` refuses unknown keys.
pub fn check_json(
    file: Option<&Path>,
    lookup: &dyn Fn(&str) -> Option<String>,
    strict: bool,
) -> anyhow::Result<()> {
    let text = file
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .and_then(|path| std::fs::read_to_string(path).ok());
    let problem = |line: &str, severity| parse(line, text.as_deref(), severity);
    let problems: Vec<Problem> =
        match config::load_checked(file, lookup, &sockudo::tls::file_problems) {
            Ok(loaded) => {
                let severity = if strict { "error" } else { "warning" };
                loaded
                    .unknown_keys
                    .iter()
                    .map(|key| problem(&format!("{key}: unknown key"), severity))
                    .collect()
            }
            Err(LoadError::Syntax { problems, .. } | LoadError::Invalid(problems)) => {
                problems.iter().map(|line| problem(line, "error")).collect()
            }
            Err(other) => vec![problem(&other.to_string(), "error")],
        };
    let valid = problems.iter().all(|p| p.severity != "error");
    let report = Report {
        file,
        valid,
        problems,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    if !valid {
        bail!("invalid configuration");
    }
    Ok(())
}

/// One problem line as the loader words it: `[line N: ]key: message`, or a message alone.
fn parse(line: &str, toml: Option<&str>, severity: &'static str) -> Problem {
    let (mut number, rest) = match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((n, rest)) if n.parse::<usize>().is_ok() => (n.parse().ok(), rest),
        _ => (None, line),
    };
    let key = rest
        .split_once(": ")
        .map(|(key, _)| key)
        .filter(|key| !key.is_empty() && !key.contains(char::is_whitespace));
    if number.is_none() {
        number = key
            .zip(toml)
            .and_then(|(key, text)| config::line_of_key(text, key));
    }
    Problem {
        key: key.map(str::to_owned),
        line: number,
        message: rest.to_owned(),
        severity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_lines_become_key_line_and_message() {
        let toml = "port = 6001\n\n[adapter]\ndriver = \"mongo\"\n";
        let keyed = parse(
            "adapter.driver: unknown driver \"mongo\"",
            Some(toml),
            "error",
        );
        assert_eq!(keyed.key.as_deref(), Some("adapter.driver"));
        assert_eq!(keyed.line, Some(4));
        assert_eq!(keyed.message, "adapter.driver: unknown driver \"mongo\"");
        let numbered = parse("line 3: invalid type: string, expected u16", None, "error");
        assert_eq!(numbered.line, Some(3));
        assert_eq!(numbered.key, None);
        let bare = parse(
            "cannot read config file x.toml: No such file",
            None,
            "error",
        );
        assert_eq!(
            bare.key, None,
            "a message with spaces before ':' names no key"
        );
    }
}
