#!/bin/sh
# Regenerates the shell completions and the man pages (docs/man) from the CLI definition. A test
# fails when they are stale.
set -eu
cd "$(dirname "$0")/.."
cargo build --quiet
bin=target/debug/sockudo
$bin completions bash > completions/sockudo.bash
$bin completions zsh > completions/_sockudo
$bin completions fish > completions/sockudo.fish
$bin completions powershell > completions/_sockudo.ps1
$bin completions elvish > completions/sockudo.elv
rm -rf docs/man
$bin man docs/man
