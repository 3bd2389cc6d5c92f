//! hyper answers two kinds of HTTP/1.1 request itself, before any of keyless' code runs,
//! with an empty body: a request target over 65 534 bytes (414: `http::Uri` cannot hold
//! it) and a request head larger than hyper's buffer (431). [`WireErrors`] wraps every
//! connection (above TLS) and replaces those answers, as hyper writes them, with the same
//! refusal in the envelope of the plane the request's path belongs to (`edge::render`): 414
//! `RequestUriTooLong` when the request line is over [`MAX_URI`], else 431
//! `RequestHeadersTooLarge`.
//!
//! hyper's answer is told apart from keyless' own by its headers: it carries exactly
//! `connection: close`, `content-length: 0` and `date`, while every answer keyless makes
//! carries `x-content-type-options` (`edge::finish`). The path is read from the last request
//! line seen on the connection (its first [`PREFIX`] bytes). An HTTP/2 connection is
//! passed through untouched: hyper answers its streams through keyless' code.

use crate::edge::{MAX_URI, finish, headers_too_large, uri_too_long};
use crate::state::AppState;
use axum::body::{Body, HttpBody};
use axum::http::header;
use axum::response::Response;
use axum_server::accept::Accept;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// How many bytes of a line are kept to find the path in it.
const PREFIX: usize = 2048;
/// The first bytes of an HTTP/2 connection.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0";
/// The status lines of the answers hyper makes itself that are replaced.
const HYPER_414: &[u8] = b"HTTP/1.1 414 URI Too Long\r\n";
const HYPER_431: &[u8] = b"HTTP/1.1 431 Request Header Fields Too Large\r\n";
/// hyper's answers are shorter than this.
const HYPER_HEAD_MAX: usize = 256;

/// An acceptor that wraps the streams of `inner` in [`Watched`].
#[derive(Clone)]
pub struct WireErrors<A> {
    state: AppState,
    inner: A,
}

impl<A> WireErrors<A> {
    pub fn new(state: AppState, inner: A) -> WireErrors<A> {
        WireErrors { state, inner }
    }
}

type Accepted<T, S> = Pin<Box<dyn Future<Output = io::Result<(Watched<T>, S)>> + Send>>;

impl<A, I, S> Accept<I, S> for WireErrors<A>
where
    A: Accept<I, S>,
    A::Future: Send + 'static,
    A::Stream: Send + 'static,
    A::Service: Send + 'static,
{
    type Stream = Watched<A::Stream>;
    type Service = A::Service;
    type Future = Accepted<A::Stream, A::Service>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let (accepted, state) = (self.inner.accept(stream, service), self.state.clone());
        Box::pin(async move {
            let (inner, service) = accepted.await?;
            Ok((Watched::new(inner, state), service))
        })
    }
}

/// The request line seen last: its first bytes, its length, whether it ended, and the
/// header fields that followed it.
#[derive(Debug, Default, Clone)]
struct RequestHead {
    prefix: Vec<u8>,
    len: usize,
    ended: bool,
    fields: usize,
    bytes: usize,
}

/// Where a connection is.
enum Phase {
    /// Reading requests, watching hyper's answers.
    Watching,
    /// Writing the replacement of hyper's answer; `claimed` of hyper's bytes are reported
    /// written once it is out.
    Replacing {
        bytes: Vec<u8>,
        at: usize,
        claimed: usize,
    },
    /// HTTP/2, or the replacement is out: bytes pass untouched.
    Through,
}

/// A connection whose hyper-made 414 and 431 answers are replaced (see the module).
pub struct Watched<T> {
    inner: T,
    state: AppState,
    phase: Phase,
    /// Bytes read so far, up to the length of the HTTP/2 preface.
    seen: usize,
    /// The current line: its first bytes and its length so far.
    line: Vec<u8>,
    line_len: usize,
    head: Option<RequestHead>,
}

impl<T> Watched<T> {
    fn new(inner: T, state: AppState) -> Watched<T> {
        Watched {
            inner,
            state,
            phase: Phase::Watching,
            seen: 0,
            line: Vec::new(),
            line_len: 0,
            head: None,
        }
    }

    /// Follows the lines of what was read.
    fn read(&mut self, bytes: &[u8]) {
        if self.seen < H2_PREFACE.len() {
            let want = &H2_PREFACE[self.seen..];
            let n = want.len().min(bytes.len());
            if bytes[..n] == want[..n] && self.seen + n == H2_PREFACE.len() {
                self.phase = Phase::Through;
                return;
            }
            self.seen = if bytes[..n] == want[..n] {
                self.seen + n
            } else {
                H2_PREFACE.len()
            };
        }
        for part in bytes.split_inclusive(|b| *b == b'\n') {
            let room = PREFIX.saturating_sub(self.line.len()).min(part.len());
            self.line.extend_from_slice(&part[..room]);
            self.line_len += part.len();
            if part.ends_with(b"\n") {
                self.line_ended();
            } else if looks_like_request(&self.line) {
                self.head = Some(RequestHead {
                    prefix: self.line.clone(),
                    len: self.line_len,
                    ..RequestHead::default()
                });
            }
        }
    }

    fn line_ended(&mut self) {
        if looks_like_request(&self.line) {
            self.head = Some(RequestHead {
                prefix: std::mem::take(&mut self.line),
                len: self.line_len,
                ended: true,
                ..RequestHead::default()
            });
        } else if let Some(h) = &mut self.head
            && self.line_len > 2
        {
            h.fields += 1;
            h.bytes += self.line_len;
        }
        self.line.clear();
        self.line_len = 0;
    }

    /// The answer that replaces hyper's, in the plane's envelope and on the wire.
    fn replacement(&self, hyper_head: &[u8]) -> Vec<u8> {
        let head = self.head.clone().unwrap_or_default();
        let path = path_of(&head.prefix);
        let method = head.prefix.iter().position(|b| *b == b' ').unwrap_or(0);
        let s = &self.state;
        let resp = if head.len > MAX_URI {
            // `METHOD SP target SP HTTP/1.1 CRLF`.
            let length = match head.ended {
                true => (head.len.saturating_sub(method + 1 + " HTTP/1.1\r\n".len())).to_string(),
                false => format!("more than {}", head.len.saturating_sub(method + 1)),
            };
            uri_too_long(s, &path, &length)
        } else {
            let size = format!("more than {}", head.bytes + self.line_len);
            headers_too_large(s, &path, &size, &format!("more than {}", head.fields))
        };
        let resp = finish(s, resp);
        on_the_wire(resp, date_line(hyper_head))
    }
}

/// `METHOD SP /…`: a request line in origin form (the only form keyless serves).
fn looks_like_request(line: &[u8]) -> bool {
    let Some(sp) = line.iter().position(|b| *b == b' ') else {
        return false;
    };
    (1..=20).contains(&sp)
        && line[..sp].iter().all(u8::is_ascii_uppercase)
        && line.get(sp + 1) == Some(&b'/')
}

/// The path of a request line's first bytes (up to the query, a space or the end).
fn path_of(prefix: &[u8]) -> String {
    let start = prefix.iter().position(|b| *b == b' ').map_or(0, |i| i + 1);
    let rest = &prefix[start.min(prefix.len())..];
    let end = rest
        .iter()
        .position(|b| matches!(b, b' ' | b'?' | b'\r' | b'\n'))
        .unwrap_or(rest.len());
    String::from_utf8_lossy(&rest[..end]).into_owned()
}

/// Where hyper's own answer starts in `buf`, which it ends: its status line, then exactly
/// `connection: close`, `content-length: 0` and `date`.
fn hyper_answer(buf: &[u8]) -> Option<usize> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(HYPER_HEAD_MAX);
    let start = (from..buf.len())
        .rev()
        .find(|&i| buf[i..].starts_with(HYPER_414) || buf[i..].starts_with(HYPER_431))?;
    let head = &buf[start..];
    let status_end = head.iter().position(|b| *b == b'\n')? + 1;
    let fields: Vec<&[u8]> = head[status_end..head.len() - 4]
        .split(|b| *b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect();
    let only_hypers = fields.len() == 3
        && fields[0].eq_ignore_ascii_case(b"connection: close")
        && fields[1].eq_ignore_ascii_case(b"content-length: 0")
        && fields[2].to_ascii_lowercase().starts_with(b"date: ");
    only_hypers.then_some(start)
}

/// The `date: …` line of hyper's answer, CRLF included.
fn date_line(head: &[u8]) -> Vec<u8> {
    head.split_inclusive(|b| *b == b'\n')
        .find(|l| l.to_ascii_lowercase().starts_with(b"date: "))
        .map(<[u8]>::to_vec)
        .unwrap_or_default()
}

/// An answer as HTTP/1.1 bytes, closing the connection (as hyper's did).
fn on_the_wire(resp: Response, date: Vec<u8>) -> Vec<u8> {
    let (parts, body) = resp.into_parts();
    let body = body_now(body);
    let status = parts.status;
    let mut out = format!(
        "HTTP/1.1 {} {}\r\n",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .into_bytes();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_LENGTH && name != header::CONNECTION {
            out.extend_from_slice(name.as_str().as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(
        format!("connection: close\r\ncontent-length: {}\r\n", body.len()).as_bytes(),
    );
    out.extend_from_slice(&date);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

/// The bytes of a body that is already whole (the envelopes are).
fn body_now(mut body: Body) -> Vec<u8> {
    let mut cx = Context::from_waker(Waker::noop());
    let mut out = Vec::new();
    while let Poll::Ready(Some(Ok(frame))) = Pin::new(&mut body).poll_frame(&mut cx) {
        if let Some(data) = frame.data_ref() {
            out.extend_from_slice(data);
        }
    }
    out
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = Pin::into_inner(self);
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && matches!(this.phase, Phase::Watching) {
            this.read(&buf.filled()[before..]);
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> Watched<T> {
    /// Writes what is left of the replacement; ready once all of it is out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Phase::Replacing { bytes, at, .. } = &mut self.phase {
            if *at == bytes.len() {
                return Poll::Ready(Ok(()));
            }
            match Pin::new(&mut self.inner).poll_write(cx, &bytes[*at..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => *at += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = Pin::into_inner(self);
        if matches!(this.phase, Phase::Watching) {
            match hyper_answer(buf) {
                // What comes before hyper's answer goes out first, as it is.
                Some(start) if start > 0 => {
                    return Pin::new(&mut this.inner).poll_write(cx, &buf[..start]);
                }
                Some(_) => {
                    this.phase = Phase::Replacing {
                        bytes: this.replacement(buf),
                        at: 0,
                        claimed: buf.len(),
                    };
                }
                None => {}
            }
        }
        if let Phase::Replacing { claimed, .. } = this.phase {
            std::task::ready!(this.poll_replacement(cx))?;
            this.phase = Phase::Through;
            return Poll::Ready(Ok(claimed.min(buf.len())));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = Pin::into_inner(self);
        std::task::ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = Pin::into_inner(self);
        std::task::ready!(this.poll_replacement(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
