//! Connection tokens: JWTs whose `sub` is the user, checked at `hello` and at each `refresh`.
//!
//! The backend that knows who the user is signs a short-lived token (HS256 with a shared secret,
//! or RS256/ES256 with a private key whose public half this server holds); the page hands it to
//! the client, which sends it in the `hello` frame (never the URL, where proxies log it). Only
//! the algorithms of the configured keys are accepted: `alg: none` is not an algorithm here at
//! all, and an HS256 token is refused when only a public key is configured, so a public key can
//! never be used as an HMAC secret ("algorithm confusion"). In `--dev`, `/api/login` mints the
//! same kind of token with the HS256 key, so dev, tests and production share this one check.

use jsonwebtoken::{decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::grants::check_grants;

/// What a connection token says. Unknown claims are ignored, so a backend may add its own; the
/// server reads these.
///
/// ```
/// let c = spellwire_server::auth::Claims { sub: "ann".into(), exp: 1_700_000_000, channels: vec![] };
/// assert_eq!(serde_json::to_string(&c).unwrap(), r#"{"sub":"ann","exp":1700000000}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user, by [`valid_user`]'s rule.
    pub sub: String,
    /// Expiry, unix seconds. Required: a socket outlives its token only through `refresh`.
    pub exp: u64,
    /// Channels the user may join: exact names and `namespace:*` patterns (docs/PROTOCOL.md,
    /// "Channels"), at most [`crate::grants::MAX_GRANTS`]; a malformed entry makes the whole
    /// token invalid. Absent: none, unless the subscribe proxy grants them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<String>,
}

/// Why a token was refused (logged at debug level; the client only sees close code 4401).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Not a JWT, or its header names an algorithm no configured key is for.
    Algorithm(String),
    /// Signature, expiry, audience, issuer or a missing claim, as jsonwebtoken words it; or a
    /// `channels` claim that breaks [`check_grants`]' rule.
    Invalid(String),
    /// `sub` is not an acceptable user name.
    BadUser,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Algorithm(why) => write!(f, "algorithm: {why}"),
            Refused::Invalid(why) => write!(f, "invalid: {why}"),
            Refused::BadUser => f.write_str("sub is not a valid user name"),
        }
    }
}

/// The configured keys and rules; verifies tokens, and mints them for `/api/login` (dev).
///
/// ```
/// use spellwire_server::{auth::Auth, config::Config};
/// let config = Config { jwt_secret: Some(b"k".to_vec()), jwt_leeway_secs: 0, ..Config::default() };
/// let auth = Auth::new(&config).unwrap();
/// let now = spellwire_server::auth::unix_now();
/// let token = auth.issue("ann", now + 60).unwrap();
/// assert_eq!(auth.verify(&token).unwrap().sub, "ann");
/// let old = auth.issue("ann", now - 1).unwrap();
/// assert!(auth.verify(&old).is_err()); // expired
/// ```
pub struct Auth {
    /// The HS256 secret, for `/api/login` to sign with.
    signer: Option<EncodingKey>,
    /// One per configured key: HS256, and RS256 or ES256.
    verifiers: Vec<Verifier>,
}

/// A key and the rules for tokens it checks, `algorithms` holding just its own one.
struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Auth {
    /// Keys from `config`: the HS256 secret (in `--dev` without one, a random one for this
    /// process) and the PEM public key, whose kind picks RS256 or ES256. Fails on a PEM that
    /// is neither an RSA nor an EC public key.
    pub fn new(config: &Config) -> Result<Self, String> {
        let secret = match &config.jwt_secret {
            Some(s) => Some(s.clone()),
            None => config.dev.then(|| crate::random::bytes(32)),
        };
        let why = |e: jsonwebtoken::errors::Error| format!("JWT secret: {e}");
        let signer = secret.as_deref().map(EncodingKey::from_secret).transpose().map_err(why)?;
        let hmac = secret.as_deref().map(DecodingKey::from_secret).transpose().map_err(why)?;
        let hmac = hmac.map(|key| (Algorithm::HS256, key));
        let public = config.jwt_public_key.as_deref().map(public_key).transpose()?;
        let verifiers = hmac.into_iter().chain(public);
        let verifiers = verifiers.map(|(alg, key)| Verifier { key, validation: validation(config, alg) });
        Ok(Self { signer, verifiers: verifiers.collect() })
    }

    /// The claims of `token`, if a configured key signed it and it passes the rules
    /// (`exp` within the leeway, `aud`/`iss` when configured, `sub` a valid user).
    pub fn verify(&self, token: &str) -> Result<Claims, Refused> {
        let alg = decode_header(token).map_err(|e| Refused::Algorithm(e.to_string()))?.alg;
        let Some(v) = self.verifiers.iter().find(|v| v.validation.algorithms == [alg]) else {
            return Err(Refused::Algorithm(format!("{alg:?} is not accepted")));
        };
        let claims = decode::<Claims>(token, &v.key, &v.validation)
            .map_err(|e| Refused::Invalid(e.to_string()))?
            .claims;
        if !valid_user(&claims.sub) {
            return Err(Refused::BadUser);
        }
        check_grants(&claims.channels).map_err(Refused::Invalid)?;
        Ok(claims)
    }

    /// An HS256 token for `user` expiring at `exp` (unix seconds) that grants no channel;
    /// None without an HS256 key.
    pub fn issue(&self, user: &str, exp: u64) -> Option<String> {
        self.issue_with(user, exp, &[])
    }

    /// [`Auth::issue`] with a `channels` claim (not checked here: [`Auth::verify`] refuses a
    /// token whose claim breaks [`check_grants`]' rule).
    ///
    /// ```
    /// use spellwire_server::{auth::{unix_now, Auth}, config::Config};
    /// let auth = Auth::new(&Config { dev: true, ..Config::default() }).unwrap();
    /// let token = auth.issue_with("ann", unix_now() + 60, &["crew:*".to_string()]).unwrap();
    /// assert_eq!(auth.verify(&token).unwrap().channels, ["crew:*"]);
    /// ```
    pub fn issue_with(&self, user: &str, exp: u64, channels: &[String]) -> Option<String> {
        let claims = Claims { sub: user.to_owned(), exp, channels: channels.to_vec() };
        encode(&Header::new(Algorithm::HS256), &claims, self.signer.as_ref()?).ok()
    }
}

/// The algorithm and key of a PEM public key: RS256 for RSA, ES256 for EC (P-256). A private
/// key is refused, though jsonwebtoken would take an RSA one: it does not belong on this server.
fn public_key(pem: &[u8]) -> Result<(Algorithm, DecodingKey), String> {
    if String::from_utf8_lossy(pem).contains("PRIVATE KEY-----") {
        return Err("--jwt-public-key holds a private key; give its public half \
                    (openssl pkey -in private.pem -pubout)".into());
    }
    if let Ok(key) = DecodingKey::from_rsa_pem(pem) {
        return Ok((Algorithm::RS256, key));
    }
    DecodingKey::from_ec_pem(pem)
        .map(|key| (Algorithm::ES256, key))
        .map_err(|e| format!("--jwt-public-key is neither an RSA nor an EC public key in PEM: {e}"))
}

/// The rules every `alg` token meets: `exp` and `sub` present, the leeway, `aud`/`iss` when set.
fn validation(config: &Config, alg: Algorithm) -> Validation {
    let mut v = Validation::new(alg);
    v.leeway = config.jwt_leeway_secs;
    let mut required = vec!["exp", "sub"];
    // Without --jwt-audience, a token that names an audience is refused: it is meant for
    // a server that was told its name.
    if let Some(aud) = &config.jwt_audience {
        v.set_audience(&[aud]);
        required.push("aud");
    }
    if let Some(iss) = &config.jwt_issuer {
        v.set_issuer(&[iss]);
        required.push("iss");
    }
    v.set_required_spec_claims(&required);
    v
}

/// Whether `user` is an acceptable user name: 1..=64 of `[A-Za-z0-9_.:-]`.
///
/// ```
/// use spellwire_server::auth::valid_user;
/// assert!(valid_user("ann.b:1-x_y"));
/// assert!(!valid_user(""));
/// assert!(!valid_user("a b"));
/// ```
pub fn valid_user(user: &str) -> bool {
    (1..=64).contains(&user.len())
        && user.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

/// Current unix time in seconds.
///
/// ```
/// assert!(spellwire_server::auth::unix_now() > 1_700_000_000);
/// ```
pub fn unix_now() -> u64 {
    unix_now_ms() / 1000
}

/// Current unix time in milliseconds.
///
/// ```
/// assert!(spellwire_server::auth::unix_now_ms() > 1_700_000_000_000);
/// ```
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Milliseconds from `now_ms` until `exp` (unix seconds), 0 once it has passed: the
/// `expiresInMs` of `welcome` and `refreshed`, relative so the client's clock does not matter.
///
/// ```
/// use spellwire_server::auth::expires_in_ms;
/// assert_eq!(expires_in_ms(100, 99_250), 750);
/// assert_eq!(expires_in_ms(100, 101_000), 0);
/// ```
pub fn expires_in_ms(exp: u64, now_ms: u64) -> u64 {
    (exp * 1000).saturating_sub(now_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(tweak: impl FnOnce(&mut Config)) -> Auth {
        let mut c = Config { jwt_secret: Some(b"one".to_vec()), ..Config::default() };
        tweak(&mut c);
        Auth::new(&c).unwrap()
    }

    #[test]
    fn rejects_other_secrets_bad_users_and_junk() {
        let (a, b) = (auth(|_| {}), auth(|c| c.jwt_secret = Some(b"two".to_vec())));
        let t = a.issue("ann", unix_now() + 60).unwrap();
        assert!(matches!(b.verify(&t), Err(Refused::Invalid(_))));
        assert_eq!(a.verify(&a.issue("a b", unix_now() + 60).unwrap()), Err(Refused::BadUser));
        for junk in ["", ".", "x.y", "nodot", "a.b.c"] {
            assert!(matches!(a.verify(junk), Err(Refused::Algorithm(_))), "{junk}");
        }
    }

    #[test]
    fn production_without_a_secret_mints_nothing_and_dev_gets_a_random_one() {
        assert!(Auth::new(&Config::default()).unwrap().issue("ann", u64::MAX).is_none());
        let dev = Config { dev: true, ..Config::default() };
        let (one, two) = (Auth::new(&dev).unwrap(), Auth::new(&dev).unwrap());
        let t = one.issue("ann", unix_now() + 60).unwrap();
        assert!(one.verify(&t).is_ok());
        assert!(two.verify(&t).is_err());
    }

    #[test]
    fn audience_and_issuer_are_required_when_configured() {
        let strict = auth(|c| {
            c.jwt_audience = Some("sw".into());
            c.jwt_issuer = Some("me".into());
        });
        let plain = strict.issue("ann", unix_now() + 60).unwrap();
        assert!(matches!(strict.verify(&plain), Err(Refused::Invalid(_))));
    }

    #[test]
    fn a_malformed_channels_claim_makes_the_token_invalid() {
        let a = auth(|_| {});
        let exp = unix_now() + 60;
        let ok = ["run:*".to_string(), "crew:alpha".to_string()];
        assert_eq!(a.verify(&a.issue_with("ann", exp, &ok).unwrap()).unwrap().channels, ok);
        for bad in [vec!["run".to_string()], vec!["*".to_string()], vec!["run:*".to_string(); 257]] {
            let refused = a.verify(&a.issue_with("ann", exp, &bad).unwrap());
            assert!(matches!(&refused, Err(Refused::Invalid(why)) if why.starts_with("channels: ")), "{refused:?}");
        }
    }

    #[test]
    fn a_public_key_that_is_not_pem_is_a_startup_error() {
        let c = Config { jwt_public_key: Some(b"not a key".to_vec()), ..Config::default() };
        assert!(Auth::new(&c).err().unwrap().contains("--jwt-public-key"));
    }
}
