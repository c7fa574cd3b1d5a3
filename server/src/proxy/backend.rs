//! One POST to the application backend, as both proxies make it: JSON body, the bearer secret
//! when one is set, no redirects, the whole answer within `--proxy-timeout-ms` and at most
//! `--max-body-bytes` of it. The HTTP client (and so its connection pool) is one per process.

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::answer::Outcome;
use crate::config::Config;

/// Where and how to reach one backend URL.
///
/// ```
/// use spellwire_server::{config::Config, proxy::backend::Backend};
/// let b = Backend::new("http://127.0.0.1:9/spellwire/sub".into(), &Config::default()).unwrap();
/// assert_eq!(b.url(), "http://127.0.0.1:9/spellwire/sub");
/// ```
#[derive(Clone)]
pub struct Backend {
    client: reqwest::Client,
    url: String,
    secret: Option<String>,
    timeout: Duration,
    /// Largest answer read: it is relayed to a browser.
    reply_limit: usize,
}

impl Backend {
    /// A backend at `url` with the secret, timeout and size limit of `config`; fails only when
    /// no HTTP client can be built (its TLS setup failed).
    pub fn new(url: String, config: &Config) -> Result<Self, String> {
        Ok(Self {
            client: client()?,
            url,
            secret: config.proxy_secret.clone(),
            timeout: config.proxy_timeout,
            reply_limit: config.max_body_bytes,
        })
    }

    /// The URL posted to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// POSTs `body` and reads the answer; `who` names the proxy in the log, where the reason
    /// a backend could not be reached goes (the client only hears that it could not).
    ///
    /// ```
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// use spellwire_server::{config::Config, proxy::{answer::Outcome, backend::Backend}};
    /// let nobody = Backend::new("http://127.0.0.1:9/".into(), &Config::default()).unwrap();
    /// let outcome = nobody.post(&serde_json::json!({"user": "ann"}), "doc").await;
    /// assert!(matches!(outcome, Outcome::Unreachable));
    /// # });
    /// ```
    pub async fn post(&self, body: &Value, who: &str) -> Outcome {
        let call = self.call(body, who);
        tokio::time::timeout(self.timeout, call).await.unwrap_or(Outcome::TimedOut(self.timeout))
    }

    async fn call(&self, body: &Value, who: &str) -> Outcome {
        let mut request = self.client.post(&self.url).header("content-type", "application/json");
        if let Some(secret) = &self.secret {
            request = request.bearer_auth(secret);
        }
        let mut response = match request.body(body.to_string()).send().await {
            Ok(r) => r,
            Err(e) => return unreachable(&e, who),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(c)) if body.len() + c.len() > self.reply_limit => return Outcome::TooBig(self.reply_limit),
                Ok(Some(c)) => body.extend_from_slice(&c),
                Ok(None) => return Outcome::Answered { status, body },
                Err(e) => return unreachable(&e, who),
            }
        }
    }
}

/// The process's HTTP client for backends: redirects are not followed.
fn client() -> Result<reqwest::Client, String> {
    static CLIENT: OnceLock<Result<reqwest::Client, String>> = OnceLock::new();
    let built = CLIENT.get_or_init(|| {
        let builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        builder.build().map_err(|e| format!("no HTTP client for the backend: {e}"))
    });
    built.clone()
}

/// Logs why the backend could not be reached, with every cause.
fn unreachable(e: &reqwest::Error, who: &str) -> Outcome {
    let mut why = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    tracing::warn!("{who}: {why}");
    Outcome::Unreachable
}
