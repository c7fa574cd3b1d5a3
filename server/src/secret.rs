//! Secrets come from an environment variable or a file, never from a flag's value: the command
//! line of a process is readable by every user of the machine (`ps`) and lands in shell history.

use std::path::Path;

/// The secret given either as the value of env var `var` (passed in as `value`) or as the
/// contents of `file`, with a trailing newline removed (an `echo` into a file adds one). None
/// when neither is given; an error when both are, or when the secret is empty or unreadable.
///
/// ```
/// use spellwire_server::secret::load;
/// assert_eq!(load("S", Some("abc".into()), None, "--s-file"), Ok(Some(b"abc".to_vec())));
/// assert_eq!(load("S", None, None, "--s-file"), Ok(None));
/// assert!(load("S", Some("".into()), None, "--s-file").unwrap_err().contains("S is empty"));
/// ```
pub fn load(var: &str, value: Option<String>, file: Option<&Path>, flag: &str) -> Result<Option<Vec<u8>>, String> {
    let secret = match (value, file) {
        (Some(_), Some(_)) => return Err(format!("{var} and {flag} are both set; give the secret once")),
        (Some(v), None) => (v.into_bytes(), var.to_owned()),
        (None, Some(path)) => (read(path, flag)?, format!("{flag} {}", path.display())),
        (None, None) => return Ok(None),
    };
    match secret {
        (bytes, from) if bytes.is_empty() => Err(format!("{from} is empty")),
        (bytes, _) => Ok(Some(bytes)),
    }
}

/// A text secret (an API key, a bearer token): as [`load`], and valid UTF-8.
///
/// ```
/// use spellwire_server::secret::load_text;
/// assert_eq!(load_text("K", Some("key".into()), None, "--k-file"), Ok(Some("key".into())));
/// ```
pub fn load_text(var: &str, value: Option<String>, file: Option<&Path>, flag: &str) -> Result<Option<String>, String> {
    let Some(bytes) = load(var, value, file, flag)? else { return Ok(None) };
    String::from_utf8(bytes).map(Some).map_err(|_| format!("{var}/{flag}: the secret is not UTF-8 text"))
}

fn read(path: &Path, flag: &str) -> Result<Vec<u8>, String> {
    let mut bytes = std::fs::read(path).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
    if bytes.ends_with(b"\n") {
        bytes.pop();
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_lose_one_trailing_newline_and_both_sources_is_an_error() {
        let dir = std::env::temp_dir().join(format!("sw-secret-{}", crate::random::hex_id(6)));
        std::fs::create_dir_all(&dir).unwrap();
        let (crlf, empty) = (dir.join("crlf"), dir.join("empty"));
        std::fs::write(&crlf, "s3cret\r\n").unwrap();
        std::fs::write(&empty, "\n").unwrap();
        assert_eq!(load("S", None, Some(&crlf), "--f"), Ok(Some(b"s3cret".to_vec())));
        assert!(load("S", None, Some(&empty), "--f").unwrap_err().contains("is empty"));
        assert!(load("S", Some("x".into()), Some(&crlf), "--f").unwrap_err().contains("both"));
        assert!(load("S", None, Some(&dir.join("missing")), "--f").unwrap_err().starts_with("--f "));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
