//! Connection tokens at `hello`: what a production server accepts, and everything it closes
//! with 4401 (forgeries, expiry, `alg: none`, algorithm confusion, missing or wrong claims).

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{json, Value};
use spellwire_server::config::Config;

/// A production server (no `--dev`) verifying with `keys`.
async fn production(keys: impl FnOnce(&mut Config)) -> std::net::SocketAddr {
    start_with(|c| {
        c.dev = false;
        keys(c);
    })
    .await
}

/// Each token must be refused with 4401 `unauthorized`.
async fn all_refused(addr: std::net::SocketAddr, cases: Vec<(&str, String)>) {
    for (why, token) in cases {
        let mut c = hello(addr, &token).await;
        assert_eq!(c.close_code().await, (4401, "unauthorized".into()), "{why}");
    }
}

/// A token with header `{"alg":"none"}` and no signature.
fn unsigned(claims: &Value) -> String {
    let header = B64.encode(json!({ "alg": "none", "typ": "JWT" }).to_string());
    format!("{header}.{}.", B64.encode(claims.to_string()))
}

#[tokio::test]
async fn a_good_hs256_token_is_welcomed_with_the_time_it_has_left() {
    let addr = production(|c| c.jwt_secret = Some(SECRET.to_vec())).await;
    let mut c = hello(addr, &hs256(SECRET, json!({ "sub": "ann", "exp": in_secs(60) }))).await;
    let welcome = c.expect("welcome").await;
    let left = welcome["expiresInMs"].as_u64().unwrap();
    assert!((58_000..=60_000).contains(&left), "{welcome}");
}

#[tokio::test]
async fn forged_expired_unsigned_and_incomplete_tokens_close_4401() {
    let addr = production(|c| c.jwt_secret = Some(SECRET.to_vec())).await;
    let good = json!({ "sub": "ann", "exp": in_secs(60) });
    all_refused(addr, vec![
        ("another secret", hs256(b"another secret", good.clone())),
        ("expired beyond the 5 s leeway", hs256(SECRET, json!({ "sub": "ann", "exp": in_secs(-10) }))),
        ("alg none", unsigned(&good)),
        ("no sub", hs256(SECRET, json!({ "exp": in_secs(60) }))),
        ("sub not a user name", hs256(SECRET, json!({ "sub": "a b", "exp": in_secs(60) }))),
        ("no exp", hs256(SECRET, json!({ "sub": "ann" }))),
        ("an audience the server was not given", hs256(SECRET, json!({ "sub": "ann", "exp": in_secs(60), "aud": "x" }))),
        ("HS512", sign(Algorithm::HS512, &EncodingKey::from_secret(SECRET).unwrap(), good.clone())),
        ("not a JWT", "forged.token".into()),
    ])
    .await;
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_still_welcomed() {
    let addr = production(|c| c.jwt_secret = Some(SECRET.to_vec())).await;
    let mut c = hello(addr, &hs256(SECRET, json!({ "sub": "ann", "exp": in_secs(-2) }))).await;
    assert_eq!(c.expect("welcome").await["expiresInMs"], 0);
}

#[tokio::test]
async fn audience_and_issuer_are_checked_when_configured() {
    let addr = production(|c| {
        c.jwt_secret = Some(SECRET.to_vec());
        c.jwt_audience = Some("spellwire".into());
        c.jwt_issuer = Some("https://backend.test".into());
    })
    .await;
    let claims = |aud: Option<&str>, iss: Option<&str>| {
        let mut v = json!({ "sub": "ann", "exp": in_secs(60), "aud": aud, "iss": iss });
        let o = v.as_object_mut().unwrap();
        o.retain(|_, x| !x.is_null());
        hs256(SECRET, v)
    };
    let (aud, iss) = (Some("spellwire"), Some("https://backend.test"));
    all_refused(addr, vec![
        ("wrong aud", claims(Some("other"), iss)),
        ("wrong iss", claims(aud, Some("https://evil.test"))),
        ("no aud", claims(None, iss)),
        ("no iss", claims(aud, None)),
    ])
    .await;
    hello(addr, &claims(aud, iss)).await.expect("welcome").await;
}

#[tokio::test]
async fn rs256_is_accepted_with_an_rsa_public_key_and_nothing_else_is() {
    let addr = production(|c| c.jwt_public_key = Some(key("test-only-rsa-public.pem"))).await;
    let claims = json!({ "sub": "ann", "exp": in_secs(60) });
    let rsa = EncodingKey::from_rsa_pem(&key("test-only-rsa-private.pem")).unwrap();
    let ec = EncodingKey::from_ec_pem(&key("test-only-ec-private.pem")).unwrap();
    all_refused(addr, vec![
        // Algorithm confusion: the public key (which anyone may have) used as an HMAC secret.
        ("HS256 keyed with the public key", hs256(&key("test-only-rsa-public.pem"), claims.clone())),
        ("HS256 with any secret", hs256(SECRET, claims.clone())),
        ("alg none", unsigned(&claims)),
        ("ES256", sign(Algorithm::ES256, &ec, claims.clone())),
        ("PS256 with the right key", sign(Algorithm::PS256, &rsa, claims.clone())),
    ])
    .await;
    hello(addr, &sign(Algorithm::RS256, &rsa, claims)).await.expect("welcome").await;
}

#[tokio::test]
async fn es256_is_accepted_with_an_ec_public_key_and_nothing_else_is() {
    let addr = production(|c| c.jwt_public_key = Some(key("test-only-ec-public.pem"))).await;
    let claims = json!({ "sub": "ann", "exp": in_secs(60) });
    let rsa = EncodingKey::from_rsa_pem(&key("test-only-rsa-private.pem")).unwrap();
    let ec = EncodingKey::from_ec_pem(&key("test-only-ec-private.pem")).unwrap();
    all_refused(addr, vec![
        ("HS256 keyed with the public key", hs256(&key("test-only-ec-public.pem"), claims.clone())),
        ("RS256", sign(Algorithm::RS256, &rsa, claims.clone())),
        ("ES256 expired", sign(Algorithm::ES256, &ec, json!({ "sub": "ann", "exp": in_secs(-60) }))),
    ])
    .await;
    let welcome = hello(addr, &sign(Algorithm::ES256, &ec, claims)).await.expect("welcome").await;
    assert!(welcome["expiresInMs"].as_u64().unwrap() > 50_000, "{welcome}");
}
