//! TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps) with a QR code drawn by the server.

use totp_rs::{Algorithm, Secret, TOTP};

pub const STEP_SECS: u64 = 30;

fn totp(secret_b32: &str, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECS,
        bytes,
        Some("Rapport".into()),
        account.to_string(),
    )
    .ok()
}

/// A new 160-bit secret, base32-encoded.
pub fn new_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// The `otpauth://` URI an authenticator app reads from the QR code.
pub fn otpauth_uri(secret_b32: &str, account: &str) -> Option<String> {
    totp(secret_b32, account).map(|t| t.get_url())
}

/// Checks `code` at time `now_secs`, allowing one step of clock skew either way. Returns
/// the matching time step so the caller can refuse its reuse.
pub fn verify(secret_b32: &str, code: &str, now_secs: u64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32, "")?;
    let step = now_secs / STEP_SECS;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| {
            let expected = t.generate(s * STEP_SECS);
            subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), code.as_bytes()).into()
        })
        .map(|s| s as i64)
}

/// The current code, for tests and the demo.
pub fn code_at(secret_b32: &str, now_secs: u64) -> Option<String> {
    totp(secret_b32, "").map(|t| t.generate(now_secs))
}

/// The secret grouped in fours for reading aloud or typing ("JBSW Y3DP …").
pub fn grouped(secret_b32: &str) -> String {
    secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// An SVG QR code of `data`, drawn here so no third party ever sees the secret.
pub fn qr_svg(data: &str) -> Option<String> {
    let code = qrcode::QrCode::new(data.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 appendix B, SHA-1 seed "12345678901234567890" (base32 below), 8 digits there;
    // the 6-digit code is the last six digits of the published value.
    const SEED_B32: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn matches_rfc_6238_vectors() {
        assert_eq!(code_at(SEED_B32, 59).unwrap(), "287082");
        assert_eq!(code_at(SEED_B32, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(SEED_B32, 2_000_000_000).unwrap(), "279037");
    }

    #[test]
    fn verify_allows_one_step_of_skew_and_reports_the_step() {
        let now = 1_111_111_109;
        let code = code_at(SEED_B32, now).unwrap();
        assert_eq!(verify(SEED_B32, &code, now), Some((now / 30) as i64));
        assert_eq!(verify(SEED_B32, &code, now + 30), Some((now / 30) as i64));
        assert_eq!(verify(SEED_B32, &code, now + 90), None);
        assert_eq!(verify(SEED_B32, "12345", now), None);
        assert_eq!(verify(SEED_B32, "abcdef", now), None);
    }

    #[test]
    fn new_secrets_make_a_qr_code() {
        let s = new_secret();
        let uri = otpauth_uri(&s, "ana@example.org").unwrap();
        assert!(uri.starts_with("otpauth://totp/Rapport:"));
        assert!(qr_svg(&uri).unwrap().contains("<svg"));
    }
}
