//! Production is the default: the dev routes and static files exist only with `--dev`, the
//! binary refuses to start without its keys (naming what is missing), and the origin rules.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::*;
use serde_json::json;

#[tokio::test]
async fn dev_routes_and_static_files_are_404_without_dev() {
    let www = concat!(env!("CARGO_MANIFEST_DIR"), "/../www");
    let prod = start_with(|c| {
        c.dev = false;
        c.www = www.into();
    })
    .await;
    let dev = start_with(|c| c.www = www.into()).await;
    let posts = [("/api/login", json!({"user":"ann"})), ("/api/notify", json!({"user":"ann","type":"t"}))];
    for (path, body) in posts.iter().chain(&[("/api/spells/fire/cast", json!({"user":"ann"}))]) {
        assert_eq!(http(prod, "POST", path, Some(body.clone())).await.0, 404, "{path}");
        assert_eq!(http(dev, "POST", path, Some(body.clone())).await.0, 200, "{path}");
    }
    assert_eq!(http(prod, "GET", "/", None).await.0, 404);
    assert_eq!(http(dev, "GET", "/", None).await.0, 200);
    for addr in [prod, dev] {
        assert_eq!(http(addr, "GET", "/api/health", None).await.0, 200);
    }
}

#[tokio::test]
async fn origins_without_a_list_any_with_a_list_only_those_and_never_none_refused() {
    let open_addr = start_with(|c| c.dev = false).await;
    assert!(open_with_origin(open_addr, "http://anywhere.test").await.is_ok());
    let addr = start_with(|c| c.allow_origins = vec!["http://good.test".into()]).await;
    assert_eq!(open_with_origin(addr, "http://evil.test").await.err(), Some(403));
    assert_eq!(open_with_origin(addr, "http://good.test.evil.test").await.err(), Some(403));
    let mut c = open_with_origin(addr, "http://good.test").await.ok().unwrap();
    c.send_json(json!({"op":"hello","token":login(addr, "ann").await})).await;
    c.expect("welcome").await;
    // No Origin: a backend or a test tool, not a browser page; the token still decides.
    connect(addr, "ann", None).await;
}

/// How a run of the binary went: its exit code (None: it started and was stopped), the first
/// line of its stdout and its stderr.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn started(&self) -> bool {
        self.stdout.starts_with("spellwire-server listening on")
    }
}

/// Runs the server binary with `args` and, of the SPELLWIRE_* variables, only `env`; a server
/// that starts is stopped once it printed its address.
fn run(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spellwire-server"));
    cmd.args(["--addr", "127.0.0.1:0"]).args(args);
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("SPELLWIRE_")) {
        cmd.env_remove(k);
    }
    let mut child = cmd.envs(env.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut stdout = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut stdout).unwrap();
    let started = !stdout.is_empty();
    if started {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Run { code: if started { None } else { out.status.code() }, stdout, stderr }
}

/// Flags, environment, and what the refusal must name.
type Case = (&'static [&'static str], &'static [(&'static str, &'static str)], &'static str);

#[test]
fn production_refuses_to_start_without_keys_and_names_what_is_missing() {
    const SECRET_ENV: (&str, &str) = ("SPELLWIRE_JWT_SECRET", "s3cret");
    let secret = SECRET_ENV;
    let cases: [Case; 5] = [
        (&[], &[], "SPELLWIRE_JWT_SECRET"),
        (&[], &[SECRET_ENV], "SPELLWIRE_API_KEY"),
        (&["--jwt-public-key", "/nonexistent.pem"], &[], "--jwt-public-key /nonexistent.pem"),
        (&["--jwt-secret-file", "/nonexistent"], &[("SPELLWIRE_API_KEY", "k")], "--jwt-secret-file /nonexistent"),
        (&["--jwt-leeway-secs", "31"], &[], "--jwt-leeway-secs"),
    ];
    for (args, env, named) in cases {
        let r = run(args, env);
        assert!(r.code.is_some_and(|c| c != 0), "{args:?} {env:?}: {:?} {}", r.code, r.stderr);
        assert!(r.stderr.contains(named), "{args:?} {env:?} should name {named}: {}", r.stderr);
    }
    let key = key_file("test-only-ec-public.pem");
    let api_key = ("SPELLWIRE_API_KEY", "k");
    assert!(run(&["--jwt-public-key", key.to_str().unwrap()], &[api_key]).started());
    let any_origin = run(&[], &[secret, api_key]);
    assert!(any_origin.started(), "{}", any_origin.stderr);
    assert!(any_origin.stderr.contains("ANY origin"), "{}", any_origin.stderr);
    let listed = run(&["--allow-origin", "https://app.test"], &[secret, api_key]);
    assert!(listed.started() && !listed.stderr.contains("ANY origin"), "{}", listed.stderr);
    assert!(run(&["--dev"], &[]).started());
}

#[test]
fn a_public_key_that_is_not_a_pem_public_key_is_refused_at_startup() {
    let private = key_file("test-only-rsa-private.pem");
    let r = run(&["--jwt-public-key", private.to_str().unwrap()], &[("SPELLWIRE_API_KEY", "k")]);
    assert!(r.code.is_some_and(|c| c != 0), "{}", r.stderr);
    assert!(r.stderr.contains("--jwt-public-key"), "{}", r.stderr);
}

#[test]
fn help_lists_every_setting_with_its_variable_and_default() {
    let out = Command::new(env!("CARGO_BIN_EXE_spellwire-server")).arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for name in [
        "--dev", "--test-hooks", "--allow-origin", "--jwt-secret-file", "--jwt-public-key",
        "--jwt-audience", "--jwt-issuer", "--jwt-leeway-secs", "--api-key-file", "--proxy-url",
        "--proxy-secret-file", "--proxy-timeout-ms", "--max-body-bytes", "--idempotency-secs",
        "SPELLWIRE_JWT_SECRET ", "SPELLWIRE_API_KEY ", "SPELLWIRE_PROXY_SECRET ", "env: SPELLWIRE_PROXY_URL",
        "default: 5]", "default: 5000]", "default: 1048576]", "default: 600]",
    ] {
        assert!(help.contains(name), "--help lacks {name}:\n{help}");
    }
    assert!(!help.contains("--secret "), "the old --secret flag is gone");
}
