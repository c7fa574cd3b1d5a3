//! Errors with a stable code and a readable message; JavaScript sees `{ code, message }`.

use std::fmt;

/// Machine-readable kind of a spellwire error. JavaScript sees the variant name as `code`.
///
/// ```
/// use spellwire::error::ErrorCode;
/// assert_eq!(ErrorCode::QueueFull.as_str(), "QueueFull");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// The outbox held `queueLimit` unacked messages (or this one was evicted by a newer one).
    QueueFull,
    /// The encoded message is larger than `maxMessageBytes`.
    MessageTooLarge,
    /// The client was closed with `close()`; the message will not be sent.
    Closed,
    /// The server refused the token (close 4401).
    Unauthorized,
    /// A frame from the server could not be understood; it was skipped.
    BadFrame,
    /// The options passed to `new Client(...)` are invalid.
    BadOptions,
    /// An argument to a method is invalid (e.g. an empty event name).
    BadArgument,
    /// The server reported an error (an `error` frame).
    Server,
    /// The server or the application backend refused the message for good (`nack`); it will
    /// not be resent.
    Rejected,
    /// The token function threw or returned something other than a string.
    Token,
    /// A listener threw; the others still ran.
    Listener,
    /// The server refused to serve a channel (`refused`); the error has a `channel` property.
    ChannelRefused,
}

impl ErrorCode {
    /// The code as JavaScript sees it.
    ///
    /// ```
    /// assert_eq!(spellwire::error::ErrorCode::BadFrame.as_str(), "BadFrame");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::QueueFull => "QueueFull",
            ErrorCode::MessageTooLarge => "MessageTooLarge",
            ErrorCode::Closed => "Closed",
            ErrorCode::Unauthorized => "Unauthorized",
            ErrorCode::BadFrame => "BadFrame",
            ErrorCode::BadOptions => "BadOptions",
            ErrorCode::BadArgument => "BadArgument",
            ErrorCode::Server => "Server",
            ErrorCode::Rejected => "Rejected",
            ErrorCode::Token => "Token",
            ErrorCode::Listener => "Listener",
            ErrorCode::ChannelRefused => "ChannelRefused",
        }
    }

    /// The code for a name as [`ErrorCode::as_str`] writes it.
    ///
    /// ```
    /// use spellwire::error::ErrorCode;
    /// assert_eq!(ErrorCode::parse("QueueFull"), Some(ErrorCode::QueueFull));
    /// assert_eq!(ErrorCode::parse("nope"), None);
    /// ```
    pub fn parse(name: &str) -> Option<ErrorCode> {
        ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

const ALL: [ErrorCode; 12] = [
    ErrorCode::QueueFull,
    ErrorCode::MessageTooLarge,
    ErrorCode::Closed,
    ErrorCode::Unauthorized,
    ErrorCode::BadFrame,
    ErrorCode::BadOptions,
    ErrorCode::BadArgument,
    ErrorCode::Server,
    ErrorCode::Rejected,
    ErrorCode::Token,
    ErrorCode::Listener,
    ErrorCode::ChannelRefused,
];

/// A spellwire error: a code to branch on and a message for people.
///
/// ```
/// use spellwire::error::{Error, ErrorCode};
/// let e = Error::new(ErrorCode::QueueFull, "queue holds 100 unacked messages");
/// assert_eq!(e.to_string(), "QueueFull: queue holds 100 unacked messages");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of error.
    pub code: ErrorCode,
    /// What happened, in words.
    pub message: String,
}

impl Error {
    /// An error of this kind with this message.
    ///
    /// ```
    /// let e = spellwire::error::Error::new(spellwire::error::ErrorCode::Closed, "closed");
    /// assert_eq!(e.code.as_str(), "Closed");
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code.as_str())?;
        f.write_str(": ")?;
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
