//! What a log belongs to: one user's personal stream, or a channel many users share.
//!
//! The hub, the stores and the Redis fan-out keep every log the same way whoever it belongs to;
//! this type is what tells them apart where it matters (key names, epochs, who may read it).

/// One event stream: its log, its seqs, its sockets.
///
/// ```
/// use spellwire_server::stream::Stream;
/// let s = Stream::Channel("crew:alpha".into());
/// assert_eq!(s.name(), "crew:alpha");
/// assert_eq!(s.epoch_tag(), "#crew:alpha");
/// assert_eq!(Stream::User("ann".into()).epoch_tag(), "ann");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stream {
    /// The personal stream of a user (the token's `sub`).
    User(String),
    /// A channel, `namespace:name` ([`spellwire::protocol::check_channel`]).
    Channel(String),
}

impl Stream {
    /// The user or channel name.
    pub fn name(&self) -> &str {
        match self {
            Stream::User(name) | Stream::Channel(name) => name,
        }
    }

    /// The stream's part of its log's epoch: the user, or `#` and the channel. User names
    /// cannot start with `#`, so no user's epoch is ever a channel's.
    pub fn epoch_tag(&self) -> String {
        match self {
            Stream::User(name) => name.clone(),
            Stream::Channel(name) => format!("#{name}"),
        }
    }

    /// The channel name, for a channel.
    ///
    /// ```
    /// use spellwire_server::stream::Stream;
    /// assert_eq!(Stream::Channel("room:1".into()).channel(), Some("room:1"));
    /// assert_eq!(Stream::User("ann".into()).channel(), None);
    /// ```
    pub fn channel(&self) -> Option<&str> {
        match self {
            Stream::Channel(name) => Some(name),
            Stream::User(_) => None,
        }
    }
}
