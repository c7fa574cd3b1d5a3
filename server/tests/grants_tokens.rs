//! The `channels` claim: a token with a malformed entry is refused at `hello` (4401), and the
//! dev `/api/login` writes the claim (the demo's namespaces unless the body says otherwise).

mod common;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use common::*;
use serde_json::{json, Value};

/// The claims of a JWT, unverified.
fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_token_with_a_malformed_channels_claim_closes_4401() {
    let addr = start_with(|c| {
        c.dev = false;
        c.jwt_secret = Some(SECRET.to_vec());
    })
    .await;
    let token = |channels: Value| hs256(SECRET, json!({ "sub": "ann", "exp": in_secs(60), "channels": channels }));
    let many: Vec<String> = (0..257).map(|i| format!("run:{i}")).collect();
    for bad in [json!(["run"]), json!(["*"]), json!(["run:a b"]), json!(["ru n:*"]), json!("run:*"), json!([1]), json!(many)] {
        let mut c = hello(addr, &token(bad.clone())).await;
        assert_eq!(c.close_code().await, (4401, "unauthorized".into()), "{bad}");
    }
    for good in [json!([]), json!(["run:*", "crew:alpha", "run:42:steps"])] {
        hello(addr, &token(good)).await.expect("welcome").await;
    }
}

#[tokio::test]
async fn dev_login_grants_the_demo_namespaces_unless_told_otherwise() {
    let addr = start().await;
    let default = post(addr, "/api/login", json!({ "user": "ann" })).await;
    assert_eq!(claims(default["token"].as_str().unwrap())["channels"], json!(["crew:*", "room:*", "run:*"]));
    let chosen = post(addr, "/api/login", json!({ "user": "ann", "channels": ["run:42", "crew:*"] })).await;
    let token = chosen["token"].as_str().unwrap();
    assert_eq!(claims(token)["channels"], json!(["run:42", "crew:*"]));
    hello(addr, token).await.expect("welcome").await;
    let none = post(addr, "/api/login", json!({ "user": "ann", "channels": [] })).await;
    assert_eq!(claims(none["token"].as_str().unwrap()).get("channels"), None);
    for bad in [json!(["run"]), json!(["x:*", "*"]), json!(vec!["run:*"; 257])] {
        let (status, body) = http(addr, "POST", "/api/login", Some(json!({ "user": "ann", "channels": bad }))).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_channels")), "{body}");
    }
}
