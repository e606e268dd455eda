//! Who is touching clinical content, in which role, why, and what they are touching.

use crate::{Result, VaultError};
use rapport_core::UserId;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorRole {
    Client,
    Therapist,
    Admin,
    /// A background job (reminders, exports, retention).
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Treatment,
    ClientRequest,
    Emergency,
    Operations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
}

/// The kinds of clinical record Rapport keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Message,
    Attachment,
    Note,
    QuestionnaireAnswer,
    TreatmentPlan,
    SessionSummary,
    IntakeAnswer,
    /// Evidence a therapist uploads for a license; the "client" of its locator is the
    /// therapist. Not clinical: admins may read it (to verify), and each read is logged.
    LicenseEvidence,
}

macro_rules! names {
    ($t:ty { $($v:ident => $s:literal),* $(,)? }) => {
        impl $t {
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)* _ => None }
            }
        }
    };
}

names!(ActorRole { Client => "client", Therapist => "therapist", Admin => "admin", System => "system" });
names!(Purpose { Treatment => "treatment", ClientRequest => "client_request", Emergency => "emergency", Operations => "operations" });
names!(Action { Read => "read", Write => "write" });
names!(RecordKind {
    Message => "message", Attachment => "attachment", Note => "note",
    QuestionnaireAnswer => "questionnaire_answer", TreatmentPlan => "treatment_plan",
    SessionSummary => "session_summary", IntakeAnswer => "intake_answer",
    LicenseEvidence => "license_evidence",
});

/// The context every seal and open must carry.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub actor: Option<UserId>,
    pub role: ActorRole,
    pub purpose: Purpose,
    pub request_id: Option<String>,
    emergency: bool,
    /// The break-glass grant an emergency access runs under.
    grant: Option<String>,
}

impl AccessContext {
    /// A person acting in their role for `purpose` (treatment, the client's own request…).
    pub fn person(
        actor: UserId,
        role: ActorRole,
        purpose: Purpose,
        request_id: Option<String>,
    ) -> Self {
        Self {
            actor: Some(actor),
            role,
            purpose,
            request_id,
            emergency: false,
            grant: None,
        }
    }

    /// An administrator acting under emergency grant `grant` (checked by the vault against
    /// the database on every seal and open: it must be theirs, for this client, and live).
    pub fn emergency(admin: UserId, grant: String, request_id: Option<String>) -> Self {
        Self {
            actor: Some(admin),
            role: ActorRole::Admin,
            purpose: Purpose::Emergency,
            request_id,
            emergency: true,
            grant: Some(grant),
        }
    }

    /// A background job.
    pub fn system(purpose: Purpose) -> Self {
        Self {
            actor: None,
            role: ActorRole::System,
            purpose,
            request_id: None,
            emergency: false,
            grant: None,
        }
    }

    pub fn is_emergency(&self) -> bool {
        self.emergency
    }

    /// Admins may not read clinical content except under a live emergency grant for this
    /// very client, held by them.
    pub(crate) async fn permit(
        &self,
        conn: &mut sqlx::AnyConnection,
        client: &UserId,
        kind: RecordKind,
    ) -> Result<()> {
        if self.role != ActorRole::Admin || kind == RecordKind::LicenseEvidence {
            return Ok(());
        }
        let (Some(grant), Some(admin)) = (&self.grant, &self.actor) else {
            return Err(VaultError::NotPermitted);
        };
        let live: Option<(String,)> = sqlx::query_as(
            "SELECT id FROM emergency_grants WHERE id = $1 AND admin_id = $2 AND client_id = $3 \
             AND ended_at IS NULL AND expires_at > $4",
        )
        .bind(grant)
        .bind(admin.as_str())
        .bind(client.as_str())
        .bind(rapport_store::now_ms())
        .fetch_optional(&mut *conn)
        .await?;
        live.map(|_| ()).ok_or(VaultError::NotPermitted)
    }

    /// True when the client is acting on their own records (no access event needed).
    pub(crate) fn is_the_client(&self, client: &UserId) -> bool {
        self.role == ActorRole::Client && self.actor.as_ref() == Some(client)
    }
}
