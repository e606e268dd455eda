//! Facts about a request that flows record: client address, user agent, request id.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::convert::Infallible;
use std::net::SocketAddr;

#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub ip: String,
    pub user_agent: Option<String>,
    pub request_id: String,
}

impl FromRequestParts<crate::platform::state::AppState> for RequestMeta {
    type Rejection = Infallible;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &crate::platform::state::AppState,
    ) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        // Behind a TLS-terminating proxy every peer is the proxy: then the client is the
        // last hop the proxy appended to X-Forwarded-For (earlier hops are the client's to forge).
        let forwarded = state
            .config
            .trust_proxy
            .then(|| {
                parts
                    .headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
            })
            .flatten()
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
            .map(str::to_string);
        let ip = forwarded.unwrap_or(peer);
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        Ok(Self {
            ip,
            user_agent: header("user-agent"),
            request_id: header("x-request-id").unwrap_or_else(|| "-".into()),
        })
    }
}
