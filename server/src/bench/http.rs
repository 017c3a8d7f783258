//! A small HTTP client for the benchmark's calls to the portal and the API.

use http_body_util::{BodyExt, Full};
use hyper::{Request, body::Bytes};
use hyper_util::{
    client::legacy::{Client, connect::HttpConnector},
    rt::TokioExecutor,
};

use super::BenchError;

#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Default for HttpClient {
    fn default() -> Self {
        HttpClient {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(256)
                .build_http(),
        }
    }
}

/// Status, headers' Set-Cookie values, body.
pub struct Answer {
    pub status: u16,
    pub cookies: Vec<String>,
    pub body: String,
}

impl HttpClient {
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Result<Answer, BenchError> {
        let mut request = Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let request = request
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| BenchError::Http(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| BenchError::Http(format!("{method} {url}: {e}")))?;
        let status = response.status().as_u16();
        let cookies = response
            .headers()
            .get_all(hyper::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .collect();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| BenchError::Http(e.to_string()))?
            .to_bytes();
        Ok(Answer {
            status,
            cookies,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

pub async fn get_status(url: &str) -> Option<u16> {
    HttpClient::default()
        .send("GET", url, &[], String::new())
        .await
        .ok()
        .map(|answer| answer.status)
}
