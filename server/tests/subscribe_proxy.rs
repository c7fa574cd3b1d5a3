//! The subscribe proxy (`--subscribe-proxy-url`) against a real little backend on port 0,
//! through `grants::may_subscribe`: what each answer means, the request it gets, and that the
//! token's claims are read before the backend is asked.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use spellwire_server::config::Config;
use spellwire_server::grants::may_subscribe;
use spellwire_server::AppState;

/// Every request: its body and `Authorization` header.
type Seen = Arc<Mutex<Vec<(Value, Option<String>)>>>;

/// A backend answering by the channel's namespace: `ok` grants, `err` 200 `{error}`, `deny`
/// 403 `{error}`, `gone` 404 plain, `down` 500, `busy` 429, `slow` sleeps past the timeout,
/// `odd` 200 `{}`. Returns its URL.
async fn backend(seen: Seen) -> String {
    let app = Router::new().route("/sub", post(answer)).with_state(seen);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/sub")
}

async fn answer(State(seen): State<Seen>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    seen.lock().unwrap().push((body.clone(), auth));
    let error = |message: &str| json!({ "error": { "code": "no", "message": message } });
    let channel = body["channel"].as_str().unwrap_or("");
    match channel.split_once(':').map_or("", |(ns, _)| ns) {
        "ok" => Json(json!({ "result": { "role": "member" } })).into_response(),
        "err" => Json(error("members only")).into_response(),
        "deny" => (StatusCode::FORBIDDEN, Json(error("not your crew"))).into_response(),
        "gone" => (StatusCode::NOT_FOUND, "no such route").into_response(),
        "busy" => StatusCode::TOO_MANY_REQUESTS.into_response(),
        "slow" => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Json(json!({ "result": null })).into_response()
        }
        "odd" => Json(json!({})).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// State whose subscribe proxy is `url`, with the secret `s3` and a short timeout.
fn state(url: &str) -> AppState {
    AppState::new(Config {
        subscribe_proxy_url: Some(url.into()),
        proxy_secret: Some("s3".into()),
        proxy_timeout: Duration::from_millis(300),
        ..Config::default()
    })
}

/// The refusal code (or "ok") and message for `channel`, asked by ann with no claims.
async fn decide(s: &AppState, channel: &str) -> (&'static str, String) {
    match may_subscribe(s, "ann", &[], channel).await {
        Ok(()) => ("ok", String::new()),
        Err(r) => (r.code, r.message),
    }
}

#[tokio::test]
async fn the_backend_grants_or_refuses_and_hears_who_asks_for_what() {
    let seen = Seen::default();
    let s = state(&backend(seen.clone()).await);
    assert_eq!(decide(&s, "ok:crew").await, ("ok", String::new()));
    assert_eq!(decide(&s, "err:crew").await, ("forbidden", "members only".into()));
    assert_eq!(decide(&s, "deny:crew").await, ("forbidden", "not your crew".into()));
    assert_eq!(decide(&s, "gone:crew").await, ("forbidden", "the backend does not grant gone:crew (HTTP 404)".into()));
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, json!({ "user": "ann", "channel": "ok:crew" }));
    assert!(seen.iter().all(|(_, auth)| auth.as_deref() == Some("Bearer s3")));
}

#[tokio::test]
async fn a_backend_that_cannot_decide_now_is_unavailable() {
    let s = state(&backend(Seen::default()).await);
    for channel in ["down:a", "busy:a", "slow:a", "odd:a"] {
        assert_eq!(decide(&s, channel).await.0, "unavailable", "{channel}");
    }
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sub", closed.local_addr().unwrap());
    drop(closed);
    let (code, message) = decide(&state(&url), "ok:a").await;
    assert_eq!((code, message.as_str()), ("unavailable", "the backend could not be reached"));
}

#[tokio::test]
async fn claims_are_read_first_and_without_a_url_nobody_is_asked() {
    let seen = Seen::default();
    let s = state(&backend(seen.clone()).await);
    let granted = vec!["deny:*".to_string()];
    assert!(may_subscribe(&s, "ann", &granted, "deny:crew").await.is_ok());
    assert_eq!(may_subscribe(&s, "ann", &granted, "deny crew").await.unwrap_err().code, "bad_channel");
    assert!(seen.lock().unwrap().is_empty(), "the backend is asked only about channels the token does not grant");
    let (code, _) = decide(&AppState::new(Config::default()), "ok:crew").await;
    assert_eq!(code, "forbidden");
}

#[tokio::test]
async fn no_secret_no_authorization_header() {
    let seen = Seen::default();
    let url = backend(seen.clone()).await;
    let s = AppState::new(Config { subscribe_proxy_url: Some(url), ..Config::default() });
    assert_eq!(decide(&s, "ok:a").await.0, "ok");
    assert_eq!(seen.lock().unwrap()[0].1, None);
}
