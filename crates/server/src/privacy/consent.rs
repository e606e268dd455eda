//! Versioned consent documents (informed consent, privacy notice, messaging policy),
//! signed by the client with their typed name; each signature records the time and the
//! SHA-256 of the exact text. Services that need a consent check it here.

use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use rapport_core::{Invalid, UserId};
use rapport_vault::SecretAt;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub struct ConsentDocument {
    pub key: &'static str,
    pub title: &'static str,
    /// The current version; `text` is its text. Earlier versions stay in `earlier` for
    /// ever, so anyone can re-read exactly what they signed.
    pub version: i64,
    /// Optional consents can be withdrawn at any time.
    pub optional: bool,
    /// What it is needed for, in words ("booking sessions").
    pub needed_for: &'static str,
    pub text: &'static str,
    pub earlier: &'static [(i64, &'static str)],
}

impl ConsentDocument {
    /// The text of `version`, if Rapport ever published it.
    pub fn text_of(&self, version: i64) -> Option<&'static str> {
        if version == self.version {
            return Some(self.text);
        }
        self.earlier
            .iter()
            .find(|(v, _)| *v == version)
            .map(|(_, t)| *t)
    }
}

pub const DOCUMENTS: &[ConsentDocument] = &[
    ConsentDocument {
        key: "informed-consent",
        title: "Informed consent for online therapy",
        version: 1,
        optional: false,
        needed_for: "booking sessions and messaging",
        text: include_str!("../../consents/informed-consent-v1.txt"),
        earlier: &[],
    },
    ConsentDocument {
        key: "privacy-notice",
        title: "Privacy notice",
        version: 1,
        optional: false,
        needed_for: "booking sessions",
        text: include_str!("../../consents/privacy-notice-v1.txt"),
        earlier: &[],
    },
    ConsentDocument {
        key: "messaging-policy",
        title: "Messaging policy",
        version: 1,
        optional: true,
        needed_for: "secure messaging",
        text: include_str!("../../consents/messaging-policy-v1.txt"),
        earlier: &[],
    },
];

/// A service that may only be used with certain consents signed.
#[derive(Debug, Clone, Copy)]
pub enum Service {
    Booking,
    Messaging,
}

impl Service {
    fn needs(self) -> &'static [&'static str] {
        match self {
            Service::Booking => &["informed-consent", "privacy-notice"],
            Service::Messaging => &["informed-consent", "messaging-policy"],
        }
    }
}

pub fn document(key: &str) -> AppResult<&'static ConsentDocument> {
    DOCUMENTS
        .iter()
        .find(|d| d.key == key)
        .ok_or(AppError::NotFound)
}

pub fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Where a client stands with one document.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsentStatus {
    pub key: &'static str,
    pub title: &'static str,
    pub version: i64,
    pub optional: bool,
    pub needed_for: &'static str,
    /// `signed`, `not_signed`, `withdrawn`, or `outdated` (an earlier version was signed).
    pub status: &'static str,
    pub signed_version: Option<i64>,
    pub signed_at: Option<i64>,
    pub typed_name: Option<String>,
    pub text_sha256: Option<String>,
    pub withdrawn_at: Option<i64>,
}

/// A signature with its typed name opened (the name is stored sealed; an erased
/// account's signatures keep the record of consent but not the name, shown empty).
#[derive(Debug, Clone)]
pub struct Signature {
    pub id: String,
    pub document: String,
    pub version: i64,
    pub text_sha256: String,
    pub typed_name: String,
    pub signed_at: i64,
    pub withdrawn_at: Option<i64>,
}

/// The client's most recent signature of each document, withdrawn or not.
pub async fn latest_signatures(state: &AppState, client: &UserId) -> AppResult<Vec<Signature>> {
    let mut out = Vec::new();
    for s in state.store.latest_signatures(client).await? {
        let typed_name = match &s.typed_name_sealed {
            Some(sealed) => state
                .open_secret(SecretAt::consent_name(&s.id), sealed)
                .await?
                .to_string(),
            None => String::new(),
        };
        out.push(Signature {
            id: s.id,
            document: s.document,
            version: s.version,
            text_sha256: s.text_sha256,
            typed_name,
            signed_at: s.signed_at,
            withdrawn_at: s.withdrawn_at,
        });
    }
    Ok(out)
}

pub async fn statuses(state: &AppState, client: &UserId) -> AppResult<Vec<ConsentStatus>> {
    let sigs = latest_signatures(state, client).await?;
    Ok(DOCUMENTS
        .iter()
        .map(|d| {
            let sig = sigs.iter().find(|s| s.document == d.key);
            let status = match sig {
                None => "not_signed",
                Some(s) if s.withdrawn_at.is_some() => "withdrawn",
                Some(s) if s.version < d.version => "outdated",
                Some(_) => "signed",
            };
            ConsentStatus {
                key: d.key,
                title: d.title,
                version: d.version,
                optional: d.optional,
                needed_for: d.needed_for,
                status,
                signed_version: sig.map(|s| s.version),
                signed_at: sig.map(|s| s.signed_at),
                typed_name: sig.map(|s| s.typed_name.clone()),
                text_sha256: sig.map(|s| s.text_sha256.clone()),
                withdrawn_at: sig.and_then(|s| s.withdrawn_at),
            }
        })
        .collect())
}

/// Signs the current version of `key`. `version`, when given, must be the version the
/// client read, so nobody signs a text that changed under them.
pub async fn sign(
    state: &AppState,
    client: &UserId,
    key: &str,
    typed_name: &str,
    version: Option<i64>,
) -> AppResult<Signature> {
    let doc = document(key)?;
    if version.is_some_and(|v| v != doc.version) {
        return Err(AppError::Conflict(format!(
            "This document has changed since you opened it (now version {}). Please read it again before signing.",
            doc.version
        )));
    }
    let name = typed_name.trim();
    if name.chars().count() < 2 || name.chars().count() > 100 || name.chars().any(char::is_control)
    {
        return Err(AppError::Invalid(Invalid::new(
            "typed_name",
            "Type your full name (2 to 100 characters) to sign.",
        )));
    }
    let id = rapport_store::new_id();
    let sealed = state.seal_secret(SecretAt::consent_name(&id), name).await?;
    let s = state
        .store
        .sign_consent(client, &id, doc.key, doc.version, &sha256(doc.text), sealed)
        .await?;
    Ok(Signature {
        id: s.id,
        document: s.document,
        version: s.version,
        text_sha256: s.text_sha256,
        typed_name: name.to_string(),
        signed_at: s.signed_at,
        withdrawn_at: s.withdrawn_at,
    })
}

pub async fn withdraw(state: &AppState, client: &UserId, key: &str) -> AppResult<()> {
    let doc = document(key)?;
    if !doc.optional {
        return Err(AppError::Refused(format!(
            "The {} cannot be withdrawn while you use Rapport. To stop, talk to your therapist or ask to erase your account from your privacy page.",
            doc.title.to_lowercase()
        )));
    }
    if !state.store.withdraw_consent(client, key).await? {
        return Err(AppError::Conflict(
            "You have not signed this, so there is nothing to withdraw.".into(),
        ));
    }
    Ok(())
}

/// Refuses with a clear message unless the client has signed what `service` needs.
pub async fn require(state: &AppState, client: &UserId, service: Service) -> AppResult<()> {
    let statuses = statuses(state, client).await?;
    let missing: Vec<&str> = service
        .needs()
        .iter()
        .filter_map(|k| statuses.iter().find(|s| s.key == *k))
        .filter(|s| s.status != "signed")
        .map(|s| s.title)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(AppError::Refused(format!(
        "Before you can use this, please read and sign: {}. You will find them under Consents.",
        missing.join(", ")
    )))
}

/// The text the client signed, with the signature, for download.
pub fn signed_copy(doc: &ConsentDocument, sig: &Signature) -> String {
    format!(
        "{text}\n\n----\nSigned by: {name}\nDocument: {title}, version {version}\nSigned at: {when} (UTC)\nSHA-256 of the text above: {hash}\n{withdrawn}",
        text = doc.text_of(sig.version).unwrap_or(doc.text).trim_end(),
        name = sig.typed_name,
        title = doc.title,
        version = sig.version,
        when = rapport_core::time::from_millis(sig.signed_at).format("%Y-%m-%d %H:%M:%S"),
        hash = sig.text_sha256,
        withdrawn = sig
            .withdrawn_at
            .map(|w| format!("Withdrawn at: {} (UTC)\n", rapport_core::time::from_millis(w).format("%Y-%m-%d %H:%M:%S")))
            .unwrap_or_default(),
    )
}
