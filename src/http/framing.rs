//! The requests of a connection, framed as they arrive, to refuse one that carries both
//! `Content-Length` and `Transfer-Encoding`: two ways to say where a body ends, which a proxy in
//! front may read the other way (request smuggling). The HTTP server would quietly keep one;
//! this makes it answer 400 instead, by spoiling the end of that request's head.
//!
//! It follows each request's head and body (by length, or chunk by chunk) so that it knows
//! where the next head starts; a framing it does not follow (a transfer coding other than
//! chunked, which the server refuses anyway) ends the checks for that connection.

use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// The most a head may take; the server refuses longer ones too.
const MAX_HEAD: usize = 64 * 1024;

/// Where in the stream of a connection the reader is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    /// In a request's head, with what was read of it so far.
    Head(Vec<u8>),
    /// In a body of known length: how much is left.
    Body(u64),
    /// In a chunked body: reading a chunk's size line.
    ChunkSize(Vec<u8>),
    /// In a chunk's data (how much is left), then its CRLF (2 bytes).
    ChunkData(u64),
    /// In the trailers after the last chunk, with what was read of them.
    Trailers(Vec<u8>),
    /// Not followed any further.
    Off,
}

/// Follows the bytes of one connection, request by request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Framer {
    state: State,
}

impl Default for Framer {
    fn default() -> Self {
        Self {
            state: State::Head(Vec::new()),
        }
    }
}

/// How a request's head says its body is framed.
enum Framing {
    None,
    Length(u64),
    Chunked,
    /// Both `Content-Length` and `Transfer-Encoding`: refused.
    Both,
    /// Something this framer does not follow.
    Other,
}

/// Where `needle` first starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn framing_of(head: &[u8]) -> Framing {
    let text = String::from_utf8_lossy(head);
    let mut length = None;
    let mut coding = None;
    for line in text.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.trim().to_owned());
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            coding = Some(value.trim().to_ascii_lowercase());
        }
    }
    match (length, coding) {
        (Some(_), Some(_)) => Framing::Both,
        (None, Some(coding)) if coding.rsplit(',').next().map(str::trim) == Some("chunked") => {
            Framing::Chunked
        }
        (None, Some(_)) => Framing::Other,
        (Some(length), None) => length.parse().map_or(Framing::Other, Framing::Length),
        (None, None) => Framing::None,
    }
}

impl Framer {
    /// Follows `bytes`, the next ones of the connection; returns the index of a byte to spoil
    /// (a head that must be refused ends there), if any.
    pub fn follow(&mut self, bytes: &[u8]) -> Option<usize> {
        let mut at = 0;
        while at < bytes.len() {
            match &mut self.state {
                State::Off => return None,
                State::Head(head) => {
                    // Blank lines before a request are ignored, as servers do.
                    if head.is_empty() {
                        while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
                            at += 1;
                        }
                        if at == bytes.len() {
                            break;
                        }
                    }
                    // The head's end may straddle two reads: look from three bytes back.
                    let from = head.len().saturating_sub(3);
                    let rest = &bytes[at..];
                    let window = MAX_HEAD.saturating_sub(head.len()).min(rest.len());
                    head.extend_from_slice(&rest[..window]);
                    let Some(end) = find(&head[from..], b"\r\n\r\n").map(|i| from + i + 4) else {
                        at += window;
                        if head.len() >= MAX_HEAD {
                            self.state = State::Off;
                        }
                        continue;
                    };
                    // What follows the head is the body's, or the next request's.
                    let consumed = end - (head.len() - window);
                    at += consumed;
                    head.truncate(end);
                    self.state = match framing_of(head) {
                        Framing::None | Framing::Length(0) => State::Head(Vec::new()),
                        Framing::Length(n) => State::Body(n),
                        Framing::Chunked => State::ChunkSize(Vec::new()),
                        Framing::Other => State::Off,
                        Framing::Both => {
                            self.state = State::Off;
                            return Some(at - 1);
                        }
                    };
                }
                State::Body(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - at);
                    at += take;
                    *left -= take as u64;
                    if *left == 0 {
                        self.state = State::Head(Vec::new());
                    }
                }
                State::ChunkSize(line) => {
                    line.push(bytes[at]);
                    at += 1;
                    if line.ends_with(b"\r\n") {
                        let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
                        let size = text.split(';').next().map(str::trim).unwrap_or_default();
                        self.state = match u64::from_str_radix(size, 16) {
                            Ok(0) => State::Trailers(Vec::new()),
                            Ok(n) => State::ChunkData(n.saturating_add(2)),
                            Err(_) => State::Off,
                        };
                    } else if line.len() > 1024 {
                        self.state = State::Off;
                    }
                }
                State::ChunkData(left) => {
                    let take = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - at);
                    at += take;
                    *left -= take as u64;
                    if *left == 0 {
                        self.state = State::ChunkSize(Vec::new());
                    }
                }
                State::Trailers(trailers) => {
                    trailers.push(bytes[at]);
                    at += 1;
                    if trailers == b"\r\n" || trailers.ends_with(b"\r\n\r\n") {
                        self.state = State::Head(Vec::new());
                    } else if trailers.len() > MAX_HEAD {
                        self.state = State::Off;
                    }
                }
            }
        }
        None
    }
}

/// A connection whose incoming requests are framed as they are read (see the module's docs).
pub struct Framed<S> {
    inner: S,
    framer: Framer,
}

impl<S> Framed<S> {
    /// `inner`, followed from its first byte.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            framer: Framer::default(),
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Framed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &polled {
            let filled = buf.filled_mut();
            if let Some(spoil) = self.framer.follow(&filled[before..]) {
                // The head's last byte becomes one no header may hold: the server answers 400.
                filled[before + spoil] = 0;
            }
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Framed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spoiled(stream: &[u8], pieces: usize) -> Vec<usize> {
        let mut framer = Framer::default();
        let size = stream.len().div_ceil(pieces).max(1);
        let mut found = Vec::new();
        for (n, piece) in stream.chunks(size).enumerate() {
            if let Some(at) = framer.follow(piece) {
                found.push(n * size + at);
            }
        }
        found
    }

    #[test]
    fn requests_with_one_framing_pass_and_one_with_both_is_spoiled_at_its_heads_end() {
        let good = b"POST /webhook HTTP/1.1\r\nContent-Length: 5\r\n\r\nhelloGET /healthz HTTP/1.1\r\n\r\n\
POST /webhook HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\n\r\n";
        let both =
            b"POST /webhook HTTP/1.1\r\ncontent-length: 3\r\nTRANSFER-ENCODING: chunked\r\n\r\n";
        let mut stream = good.to_vec();
        stream.extend_from_slice(both);
        for pieces in [1, 3, 17, stream.len()] {
            assert_eq!(
                spoiled(&stream, pieces),
                [stream.len() - 1],
                "{pieces} pieces"
            );
        }
        assert!(spoiled(good, 5).is_empty());
    }
}
