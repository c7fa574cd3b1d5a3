//! One HTTP/1.1 keep-alive connection to the server (hyper's client connection, already in the
//! workspace through axum), for `POST /api/login`, `POST /test/broadcast` and `POST /api/publish`.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpStream;

use crate::Result;

/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The server as given on the command line: `http://host:port`.
#[derive(Clone, Debug)]
pub struct Server {
    /// `host:port`.
    pub authority: String,
}

impl Server {
    /// Parses `http://host:port[/]`.
    pub fn parse(url: &str) -> Result<Self> {
        let rest = url.strip_prefix("http://").ok_or("--server must start with http://")?;
        Ok(Self { authority: rest.trim_end_matches('/').to_owned() })
    }

    /// The socket URL, `ws://host:port/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.authority)
    }
}

/// A keep-alive connection that sends JSON POSTs one at a time.
pub struct Http {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

impl Http {
    /// Opens the connection.
    pub async fn connect(server: &Server) -> Result<Self> {
        let tcp = TcpStream::connect(&server.authority).await?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(conn); // drives the connection; ends with it
        Ok(Self { sender, host: server.authority.clone() })
    }

    /// POSTs `body` to `path`; the JSON answer, or an error naming the status.
    pub async fn post(&mut self, path: &str, body: &Value) -> Result<Value> {
        let req = Request::post(path).header(HOST, &self.host);
        self.send(path, req, body).await
    }

    /// As [`Http::post`], with `Authorization: Bearer <api_key>` (for `/api/publish`).
    pub async fn post_with_key(&mut self, path: &str, api_key: &str, body: &Value) -> Result<Value> {
        let req = Request::post(path).header(HOST, &self.host).header(AUTHORIZATION, format!("Bearer {api_key}"));
        self.send(path, req, body).await
    }

    async fn send(&mut self, path: &str, req: hyper::http::request::Builder, body: &Value) -> Result<Value> {
        let req = req.header(CONTENT_TYPE, "application/json").body(Full::new(Bytes::from(body.to_string())))?;
        let exchange = async {
            self.sender.ready().await?;
            let res = self.sender.send_request(req).await?;
            let status = res.status();
            let bytes = res.into_body().collect().await?.to_bytes();
            Ok::<_, crate::Error>((status, bytes))
        };
        let (status, bytes) = tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| format!("{path}: no answer"))??;
        if !status.is_success() {
            return Err(format!("{path}: {status} {}", String::from_utf8_lossy(&bytes)).into());
        }
        Ok(serde_json::from_slice(&bytes)?)
    }

    /// A token for `user`.
    pub async fn login(&mut self, user: &str) -> Result<String> {
        let v = self.post("/api/login", &json!({ "user": user })).await?;
        v["token"].as_str().map(str::to_owned).ok_or_else(|| format!("login answer without token: {v}").into())
    }
}
