//! The platform's own secrets at rest: TOTP seeds, typed consent names, break-glass
//! reasons and queued mail bodies (whose links are live one-time tokens). They are not
//! clinical records, so no access rule or access event applies, but none may sit in the
//! database, its WAL, its free pages or a backup in clear. Each is sealed under the
//! operator's data key: a data key like a client's (a row in `client_keys` under the
//! pseudo-client [`OPERATOR`], wrapped by the KEK, re-wrapped by rotation). The
//! associated data binds each value to its table, row and field, as for clinical records.

use crate::access::RecordKind;
use crate::seal::{self, Locator};
use crate::{Result, Vault, VaultError};
use rapport_core::UserId;
use rapport_store::{Conn, Store};
use zeroize::Zeroizing;

/// The pseudo-client whose data key seals the platform's own secrets. Never a user id
/// (those are UUIDs), so it can never be anyone's key.
pub const OPERATOR: &str = "rapport:operator";

/// Where a secret lives.
#[derive(Debug, Clone, Copy)]
pub struct SecretAt<'a> {
    pub table: &'a str,
    pub row_id: &'a str,
    pub field: &'a str,
}

impl SecretAt<'_> {
    fn locator<'b>(&'b self, operator: &'b UserId) -> Locator<'b> {
        Locator {
            client: operator,
            care: None,
            kind: RecordKind::Secret,
            table: self.table,
            row_id: self.row_id,
            field: self.field,
        }
    }
}

fn operator() -> UserId {
    UserId(OPERATOR.into())
}

impl Vault {
    /// Seals a secret inside `conn`'s transaction (the one that stores it).
    pub async fn seal_secret(
        &self,
        conn: &mut Conn,
        at: SecretAt<'_>,
        plaintext: &str,
    ) -> Result<Vec<u8>> {
        let op = operator();
        let key = self.data_key(conn, &op, true).await?;
        Ok(seal::seal(&key, &at.locator(&op), plaintext.as_bytes()))
    }

    /// Opens a secret sealed by [`Vault::seal_secret`].
    pub async fn open_secret(
        &self,
        conn: &mut Conn,
        at: SecretAt<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<String>> {
        let op = operator();
        let key = self.data_key(conn, &op, false).await?;
        let bytes = seal::open(&key, &at.locator(&op), sealed)?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Tampered)
    }

    /// [`Vault::seal_secret`] in a transaction of its own, for a value stored by a later
    /// statement (the operator's key, once made, never changes, so nothing depends on the
    /// two being one transaction).
    pub async fn seal_secret_now(
        &self,
        store: &Store,
        at: SecretAt<'_>,
        plaintext: &str,
    ) -> Result<Vec<u8>> {
        let mut tx = store.begin_write().await?;
        let sealed = self.seal_secret(&mut tx, at, plaintext).await?;
        tx.commit().await?;
        Ok(sealed)
    }

    /// [`Vault::open_secret`] outside any transaction of the caller's.
    pub async fn open_secret_now(
        &self,
        store: &Store,
        at: SecretAt<'_>,
        sealed: &[u8],
    ) -> Result<Zeroizing<String>> {
        let op = operator();
        if self.keys.get(&op).is_none() {
            let mut tx = store.begin_write().await?;
            self.data_key(&mut tx, &op, false).await?;
            tx.commit().await?;
        }
        let key = self.keys.get(&op).ok_or(VaultError::Tampered)?;
        let bytes = seal::open(&key, &at.locator(&op), sealed)?;
        String::from_utf8(bytes.to_vec())
            .map(Zeroizing::new)
            .map_err(|_| VaultError::Tampered)
    }

    /// Seals every secret a version before this one stored in clear, empties the clear
    /// copies and scrubs old copies from the database files; returns how many. Runs at
    /// start-up, before anything reads them.
    pub async fn seal_clear_secrets(&self, store: &Store) -> Result<usize> {
        let clear = store.clear_secrets().await?;
        if clear.is_empty() {
            return Ok(0);
        }
        let mut tx = store.begin_write().await?;
        for secret in &clear {
            let at = SecretAt {
                table: secret.table,
                row_id: &secret.row_id,
                field: secret.field,
            };
            let sealed = self.seal_secret(&mut tx, at, &secret.value).await?;
            store.replace_clear_secret(&mut tx, secret, sealed).await?;
        }
        tx.commit().await?;
        store.scrub_old_copies().await?;
        Ok(clear.len())
    }
}

impl<'a> SecretAt<'a> {
    /// A user's TOTP seed (pending or active: enabling moves one to the other).
    pub fn totp(user: &'a str) -> Self {
        Self {
            table: "users",
            row_id: user,
            field: "totp",
        }
    }

    /// The name a client typed to sign a consent.
    pub fn consent_name(signature: &'a str) -> Self {
        Self {
            table: "consent_signatures",
            row_id: signature,
            field: "typed_name",
        }
    }

    /// The reason an administrator gave for break-glass access.
    pub fn grant_reason(grant: &'a str) -> Self {
        Self {
            table: "emergency_grants",
            row_id: grant,
            field: "reason",
        }
    }

    /// A queued mail's body.
    pub fn mail_body(mail: &'a str) -> Self {
        Self {
            table: "outbox",
            row_id: mail,
            field: "body",
        }
    }
}
