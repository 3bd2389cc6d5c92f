//! Raw HTTP/1.1 over TLS to a test server: requests that clients would normalise (dot
//! segments) or refuse to send, slow writers, and reading exactly what the server answers.
#![allow(dead_code, clippy::unwrap_used)]

use super::TestServer;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub type Conn = TlsStream<TcpStream>;

/// A TLS connection to the server, trusting its local CA, speaking HTTP/1.1.
pub async fn connect(s: &TestServer) -> Conn {
    try_connect(s).await.unwrap()
}

/// [`connect`], or the error when the server closes the connection during the handshake.
pub async fn try_connect(s: &TestServer) -> std::io::Result<Conn> {
    let mut roots = rustls::RootCertStore::empty();
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    for c in CertificateDer::pem_file_iter(&s.ca_cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let mut cfg = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    let addr = s.origin.trim_start_matches("https://").to_string();
    let tcp = TcpStream::connect(&addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    TlsConnector::from(Arc::new(cfg)).connect(name, tcp).await
}

/// Whether the server closes `conn` within `limit` (a read ends or fails).
pub async fn closed_within(conn: &mut Conn, limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let read = async {
        loop {
            match conn.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(limit, read).await.is_ok()
}

/// A parsed HTTP/1.1 response.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Reads one response (Content-Length or chunked bodies) within `limit`; `None` when the
/// connection ends or times out first.
pub async fn read_answer(conn: &mut Conn, limit: Duration) -> Option<Answer> {
    tokio::time::timeout(limit, read_inner(conn)).await.ok()?
}

async fn fill(conn: &mut Conn, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    let n = conn.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buf.extend_from_slice(&chunk[..n]);
    Some(())
}

async fn read_inner(conn: &mut Conn) -> Option<Answer> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        fill(conn, &mut buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut rest = buf[head_end + 4..].to_vec();
    let get = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let body = if let Some(len) = get("content-length") {
        let len: usize = len.parse().ok()?;
        while rest.len() < len {
            fill(conn, &mut rest).await?;
        }
        rest.truncate(len);
        rest
    } else if get("transfer-encoding").is_some_and(|t| t.contains("chunked")) {
        let mut body = Vec::new();
        loop {
            let Some(i) = rest.windows(2).position(|w| w == b"\r\n") else {
                fill(conn, &mut rest).await?;
                continue;
            };
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..i]).trim(), 16).ok()?;
            while rest.len() < i + 2 + size + 2 {
                fill(conn, &mut rest).await?;
            }
            body.extend_from_slice(&rest[i + 2..i + 2 + size]);
            rest.drain(..i + 2 + size + 2);
            if size == 0 {
                break body;
            }
        }
    } else {
        Vec::new()
    };
    Some(Answer {
        status,
        headers,
        body,
    })
}

/// Sends `request` as is on a new connection and reads the answer (within 10 s).
pub async fn send(s: &TestServer, request: &[u8]) -> Answer {
    let mut conn = connect(s).await;
    conn.write_all(request).await.unwrap();
    conn.flush().await.unwrap();
    read_answer(&mut conn, Duration::from_secs(10))
        .await
        .expect("no answer")
}

/// A request head with the `Host` of the server and the given extra lines.
pub fn head(s: &TestServer, method: &str, target: &str, extra: &[&str]) -> String {
    let host = s.origin.trim_start_matches("https://");
    let mut h = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
    for line in extra {
        h.push_str(line);
        h.push_str("\r\n");
    }
    h.push_str("\r\n");
    h
}
