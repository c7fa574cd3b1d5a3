//! The channel flags at startup: `--channel-retention` and the backend URLs are checked before
//! the server binds, and a bad one stops it with a message naming the flag.

use std::process::Command;

/// Runs the dev server binary with `args` (none of the SPELLWIRE_* variables): the exit code
/// and stderr of a run that stopped at once.
fn refused(args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spellwire-server"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SPELLWIRE_")) {
        cmd.env_remove(k);
    }
    let out = cmd.args(["--dev", "--addr", "127.0.0.1:0"]).args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn bad_channel_flags_and_backend_urls_stop_the_server_naming_the_flag() {
    let cases: [(&[&str], &str); 8] = [
        (&["--channel-retention", "room"], "--channel-retention"),
        (&["--channel-retention", "room=5"], "--channel-retention"),
        (&["--channel-retention", "ro om=5/60"], "--channel-retention"),
        (&["--channel-retention", "room=0/60"], "--channel-retention"),
        (&["--channel-retention", "room=5/60", "--channel-retention", "room=6/60"], "--channel-retention names room twice"),
        (&["--subscribe-proxy-url", "backend.test/sub"], "--subscribe-proxy-url"),
        (&["--subscribe-proxy-url", "ftp://backend.test/sub"], "--subscribe-proxy-url"),
        (&["--proxy-url", "not a url"], "--proxy-url"),
    ];
    for (args, named) in cases {
        let (code, stderr) = refused(args);
        assert!(code.is_some_and(|c| c != 0), "{args:?} should stop the server: {stderr}");
        assert!(stderr.contains(named), "{args:?} should name {named}: {stderr}");
    }
}

#[test]
fn help_shows_the_channel_flags_with_variables_and_defaults() {
    let out = Command::new(env!("CARGO_BIN_EXE_spellwire-server")).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for shown in [
        "--max-channels-per-socket", "env: SPELLWIRE_MAX_CHANNELS_PER_SOCKET", "default: 64]",
        "--subscribe-proxy-url", "env: SPELLWIRE_SUBSCRIBE_PROXY_URL",
        "--channel-retention <NS=EVENTS/SECS>", "env: SPELLWIRE_CHANNEL_RETENTION",
    ] {
        assert!(help.contains(shown), "--help lacks {shown}:\n{help}");
    }
}
