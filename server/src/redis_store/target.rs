//! Which stream a store call is about: a [`Stream`], or a bare user name for that user's
//! personal stream, so callers that only ever deal with users need not build one.

use std::borrow::Cow;

use crate::stream::Stream;

/// Something that names a stream.
///
/// ```
/// use spellwire_server::{redis_store::AsStream, stream::Stream};
/// assert_eq!("ann".as_stream().into_owned(), Stream::User("ann".into()));
/// let room = Stream::Channel("room:1".into());
/// assert_eq!((&room).as_stream().into_owned(), room);
/// ```
pub trait AsStream {
    /// The stream named.
    fn as_stream(&self) -> Cow<'_, Stream>;
}

impl AsStream for &str {
    fn as_stream(&self) -> Cow<'_, Stream> {
        Cow::Owned(Stream::User((*self).to_owned()))
    }
}

impl AsStream for String {
    fn as_stream(&self) -> Cow<'_, Stream> {
        Cow::Owned(Stream::User(self.clone()))
    }
}

impl AsStream for &String {
    fn as_stream(&self) -> Cow<'_, Stream> {
        Cow::Owned(Stream::User((*self).clone()))
    }
}

impl AsStream for &Stream {
    fn as_stream(&self) -> Cow<'_, Stream> {
        Cow::Borrowed(self)
    }
}

impl AsStream for Stream {
    fn as_stream(&self) -> Cow<'_, Stream> {
        Cow::Borrowed(self)
    }
}
