//! AEAD sealing (XChaCha20-Poly1305, random 192-bit nonces). The associated data binds a
//! ciphertext to its table, row, field and client, so a value copied elsewhere will not
//! open, and so does one presented as another kind of record. Layout: version byte, 24-byte
//! nonce, ciphertext with tag.

use crate::{access::RecordKind, Result, VaultError};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::{rngs::OsRng, RngCore};
use rapport_core::UserId;
use zeroize::Zeroizing;

const VERSION: u8 = 1;

/// Where a sealed value lives. Every part goes into the associated data.
#[derive(Debug, Clone, Copy)]
pub struct Locator<'a> {
    pub client: &'a UserId,
    /// The care relationship the record belongs to (every clinical record has one).
    pub care: Option<&'a str>,
    pub kind: RecordKind,
    pub table: &'a str,
    pub row_id: &'a str,
    pub field: &'a str,
}

impl Locator<'_> {
    fn associated_data(&self) -> Vec<u8> {
        // Length-prefixed parts, so no two locators share an encoding.
        let mut ad = b"rapport:v1".to_vec();
        for part in [
            self.kind.as_str(),
            self.table,
            self.row_id,
            self.field,
            self.client.as_str(),
        ] {
            ad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            ad.extend_from_slice(part.as_bytes());
        }
        // Bound to its relationship too, so it cannot be moved to another therapist's.
        if let Some(care) = self.care {
            ad.extend_from_slice(b"care");
            ad.extend_from_slice(&(care.len() as u32).to_be_bytes());
            ad.extend_from_slice(care.as_bytes());
        }
        ad
    }
}

pub(crate) fn seal(key: &[u8; 32], at: &Locator<'_>, plaintext: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let ad = at.associated_data();
    // Encryption with a valid key and nonce cannot fail for in-memory buffers.
    let ciphertext = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad: &ad,
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(1 + 24 + ciphertext.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

pub(crate) fn open(key: &[u8; 32], at: &Locator<'_>, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if sealed.len() < 1 + 24 + 16 || sealed[0] != VERSION {
        return Err(VaultError::Tampered);
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    let ad = at.associated_data();
    cipher
        .decrypt(
            XNonce::from_slice(&sealed[1..25]),
            Payload {
                msg: &sealed[25..],
                aad: &ad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Tampered)
}

/// Wraps a data key under the KEK, bound to the client and the KEK's id.
pub(crate) fn wrap(kek: &[u8; 32], kek_id: &str, client: &UserId, dek: &[u8; 32]) -> Vec<u8> {
    let at = Locator {
        client,
        care: None,
        kind: RecordKind::Note,
        table: "client_keys",
        row_id: kek_id,
        field: "dek",
    };
    seal(kek, &at, dek)
}

pub(crate) fn unwrap(
    kek: &[u8; 32],
    kek_id: &str,
    client: &UserId,
    wrapped: &[u8],
) -> Result<Zeroizing<[u8; 32]>> {
    let at = Locator {
        client,
        care: None,
        kind: RecordKind::Note,
        table: "client_keys",
        row_id: kek_id,
        field: "dek",
    };
    let bytes = open(kek, &at, wrapped)?;
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::Tampered)?;
    Ok(Zeroizing::new(arr))
}
