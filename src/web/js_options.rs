//! `new Client(options)`: reads the JS options object into [`Options`] and a token source.
//!
//! Read field by field (not with serde, which would add tens of KB to the wasm); every bad
//! value or unknown name is refused with a message naming it. Defaults live in `Options::new`.

use super::fields::{absent, get, opt_bool, opt_number, opt_string};
use super::token::TokenSource;
use crate::core::backoff::{Backoff, Jitter};
use crate::core::outbox::Overflow;
use crate::options::{Options, Transport, Urls, BACKOFF_NAMES, OPTION_NAMES};
use js_sys::{Array, Object};
use wasm_bindgen::{JsCast, JsValue};

/// Options and token from a JS object; `Err` names the problem.
pub(crate) fn parse(options: &JsValue) -> Result<(Options, TokenSource), String> {
    if !options.is_object() {
        return Err("options must be an object such as { url: 'ws://host/ws' }".into());
    }
    known_names(options, OPTION_NAMES, "")?;
    let mut opts = Options::new("");
    opts.url = urls(&get(options, "url"))?;
    if let Some(v) = opt_bool(options, "autoConnect")? {
        opts.auto_connect = v;
    }
    let backoff = get(options, "backoff");
    if !absent(&backoff) {
        opts.backoff = parse_backoff(&backoff)?;
    }
    if let Some(v) = opt_number(options, "connectTimeoutMs")? {
        opts.connect_timeout_ms = v;
    }
    opts.heartbeat_ms = opt_number(options, "heartbeatMs")?;
    if let Some(v) = opt_number(options, "livenessGraceMs")? {
        opts.liveness_grace_ms = v;
    }
    if let Some(v) = opt_number(options, "queueLimit")? {
        opts.queue_limit = count("queueLimit", v)?;
    }
    if let Some(v) = opt_string(options, "overflow")? {
        opts.overflow = overflow(&v)?;
    }
    if let Some(v) = opt_number(options, "maxMessageBytes")? {
        opts.max_message_bytes = count("maxMessageBytes", v)?;
    }
    if let Some(v) = opt_bool(options, "persistCursor")? {
        opts.persist_cursor = v;
    }
    let list = get(options, "transports");
    if !absent(&list) {
        opts.transports = transports(&list)?;
    }
    let token = TokenSource::from_js(get(options, "token"))?;
    Ok((opts, token))
}

fn parse_backoff(value: &JsValue) -> Result<Backoff, String> {
    if !value.is_object() {
        return Err("backoff must be an object".into());
    }
    known_names(value, BACKOFF_NAMES, "backoff.")?;
    let mut b = Backoff::default();
    let fields: [(&str, &mut f64); 5] = [
        ("initialMs", &mut b.initial_ms),
        ("maxMs", &mut b.max_ms),
        ("factor", &mut b.factor),
        ("maxAttempts", &mut b.max_attempts),
        ("resetAfterMs", &mut b.reset_after_ms),
    ];
    for (name, slot) in fields {
        if let Some(v) = opt_number(value, name).map_err(|e| ["backoff.", &e].concat())? {
            *slot = v;
        }
    }
    if let Some(j) = opt_string(value, "jitter")? {
        b.jitter = match j.as_str() {
            "full" => Jitter::Full,
            "equal" => Jitter::Equal,
            "none" => Jitter::None,
            other => return Err(["backoff.jitter must be 'full', 'equal' or 'none', not '", other, "'"].concat()),
        };
    }
    Ok(b)
}

fn urls(value: &JsValue) -> Result<Urls, String> {
    if let Some(one) = value.as_string() {
        return Ok(Urls::One(one));
    }
    if Array::is_array(value) {
        return strings(value).map(Urls::Many).ok_or_else(|| "url list must hold only strings".into());
    }
    Err("url is required: a ws:// or wss:// URL, or a list of them".into())
}

/// A list of transport names; validation refuses an empty one.
fn transports(value: &JsValue) -> Result<Vec<Transport>, String> {
    let mut list = Vec::new();
    for name in strings(value).unwrap_or_default() {
        let Some(transport) = Transport::from_name(&name) else {
            return Err("transports must be a list of 'websocket' and 'http'".into());
        };
        list.push(transport);
    }
    Ok(list)
}

/// The strings of a JS array, or `None` when it is not an array of strings.
fn strings(value: &JsValue) -> Option<Vec<String>> {
    // A loop rather than iterator adapters collected into an Option: less wasm.
    let mut out = Vec::new();
    for item in Array::from(value).iter() {
        out.push(item.as_string()?);
    }
    Some(out)
}

fn overflow(value: &str) -> Result<Overflow, String> {
    match value {
        "reject" => Ok(Overflow::Reject),
        "drop-oldest" => Ok(Overflow::DropOldest),
        other => Err(["overflow must be 'reject' or 'drop-oldest', not '", other, "'"].concat()),
    }
}

fn count(name: &str, v: f64) -> Result<usize, String> {
    if v >= 0.0 && v.fract() == 0.0 && v < 1e9 {
        Ok(v as usize)
    } else {
        Err([name, " must be a whole number"].concat())
    }
}

/// Refuses option names we do not know, so a typo is an error rather than a silent default.
fn known_names(object: &JsValue, known: &[&str], prefix: &str) -> Result<(), String> {
    let keys = Object::keys(object.unchecked_ref::<Object>());
    match keys.iter().filter_map(|k| k.as_string()).find(|k| !known.contains(&k.as_str())) {
        Some(name) => {
            let mut message = ["unknown option ", prefix, &name, "; known: "].concat();
            for (i, k) in known.iter().enumerate() {
                if i > 0 {
                    message.push_str(", ");
                }
                message.push_str(k);
            }
            Err(message)
        }
        None => Ok(()),
    }
}
