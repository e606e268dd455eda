//! Random secrets (session and API tokens, single-use links, recovery codes).

use rand::{rngs::OsRng, RngCore};

/// 256 bits from the OS generator, URL-safe base64 without padding (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A recovery code like `k7fq-2mxp-9tbe`: 60 bits, no look-alike characters.
pub fn recovery_code() -> String {
    const ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
    let mut out = String::with_capacity(14);
    for i in 0..12 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        let idx = (OsRng.next_u32() as usize) % ALPHABET.len();
        out.push(ALPHABET[idx] as char);
    }
    out
}

/// Recovery codes are compared without dashes, spaces or case.
pub fn normalise_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn recovery_codes_normalise() {
        let c = recovery_code();
        assert_eq!(c.len(), 14);
        assert_eq!(
            normalise_recovery_code(&c.to_uppercase().replace('-', " ")),
            c.replace('-', "")
        );
    }
}
