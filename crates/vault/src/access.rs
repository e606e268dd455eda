//! Who is touching clinical content, in which role, why, and what they are touching.
//! An [`AccessContext`] cannot be written by hand: a person's comes from the proof of
//! sign-in the store made ([`Authenticated`]), a background job's from [`SystemJob`].

use rapport_core::{Role, UserId};
use rapport_store::sessions::Authenticated;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorRole {
    Client,
    Therapist,
    Admin,
    /// A background job (key rotation, retention).
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
    /// The client's data key was destroyed (retention ended): nothing opens any more.
    DestroyKey,
    /// The client's data key was re-wrapped under a new operator key (key rotation).
    RewrapKey,
    /// An administrator was given break-glass access to the client's records.
    Grant,
    /// That access ended (early, by an administrator).
    EndGrant,
}

/// The kinds of record Rapport keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Message,
    Attachment,
    Note,
    QuestionnaireAnswer,
    TreatmentPlan,
    SessionSummary,
    IntakeAnswer,
    /// A client's first message to a therapist from the directory, and the answer to it:
    /// the only record a therapist may open before the relationship is active.
    ContactRequest,
    /// A reason given when a relationship ended.
    RelationshipNote,
    /// Evidence a therapist uploads for a license; the "client" of its locator is the
    /// therapist. Not clinical: admins may read it (to verify), and each read is logged.
    LicenseEvidence,
    /// The client's data key itself (for key destruction and rotation events).
    DataKey,
    /// A break-glass grant on the client's records (its events carry the grant's
    /// fingerprint, so a grant edited or made without an event is caught by verification).
    EmergencyGrant,
    /// One of the platform's own secrets (a TOTP seed, a typed consent name, a break-glass
    /// reason, a queued mail's body), sealed under the operator's data key.
    Secret,
}

/// Background jobs that act on clients' keys, each named in the events it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemJob {
    /// `rapport keys rotate`: re-wraps data keys under a new operator key.
    KeyRotation,
    /// The retention period of an erased client ended: their key is destroyed.
    Retention,
    /// The first start of a version that protects more of the log: break-glass grants made
    /// before grants were chained are entered into it.
    Upgrade,
}

impl SystemJob {
    /// How the job is named in access events (as the actor).
    pub fn actor_id(self) -> &'static str {
        match self {
            SystemJob::KeyRotation => "system:key-rotation",
            SystemJob::Retention => "system:retention",
            SystemJob::Upgrade => "system:upgrade",
        }
    }
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
names!(Action { Read => "read", Write => "write", DestroyKey => "destroy_key", RewrapKey => "rewrap_key", Grant => "grant", EndGrant => "end_grant" });
names!(RecordKind {
    Message => "message", Attachment => "attachment", Note => "note",
    QuestionnaireAnswer => "questionnaire_answer", TreatmentPlan => "treatment_plan",
    SessionSummary => "session_summary", IntakeAnswer => "intake_answer",
    ContactRequest => "contact_request", RelationshipNote => "relationship_note",
    LicenseEvidence => "license_evidence", DataKey => "data_key",
    EmergencyGrant => "emergency_grant", Secret => "secret",
});

impl RecordKind {
    /// Records of a client's care: each belongs to a care relationship.
    pub fn is_clinical(self) -> bool {
        !matches!(
            self,
            RecordKind::LicenseEvidence
                | RecordKind::DataKey
                | RecordKind::EmergencyGrant
                | RecordKind::Secret
        )
    }
}

/// Who acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Actor {
    Person { id: UserId, role: ActorRole },
    Job(SystemJob),
}

/// The context every seal and open must carry. Its fields are private; see the module.
#[derive(Debug, Clone)]
pub struct AccessContext {
    pub(crate) actor: Actor,
    purpose: Purpose,
    request_id: Option<String>,
    /// The break-glass grant an emergency access runs under.
    pub(crate) grant: Option<String>,
}

fn role_of(r: Role) -> ActorRole {
    match r {
        Role::Client => ActorRole::Client,
        Role::Therapist => ActorRole::Therapist,
        Role::Admin => ActorRole::Admin,
    }
}

impl AccessContext {
    /// A signed-in person acting in their own role for `purpose`.
    pub fn person(who: &Authenticated, purpose: Purpose, request_id: Option<String>) -> Self {
        Self {
            actor: Actor::Person {
                id: who.user().clone(),
                role: role_of(who.role()),
            },
            purpose,
            request_id,
            grant: None,
        }
    }

    /// A signed-in administrator acting under emergency grant `grant` (the vault checks on
    /// every open that it is theirs, for this client, and live).
    pub fn emergency(who: &Authenticated, grant: String, request_id: Option<String>) -> Self {
        Self {
            actor: Actor::Person {
                id: who.user().clone(),
                role: role_of(who.role()),
            },
            purpose: Purpose::Emergency,
            request_id,
            grant: Some(grant),
        }
    }

    /// A background job. Jobs never open or seal clinical content; they act on keys.
    pub fn job(job: SystemJob) -> Self {
        Self {
            actor: Actor::Job(job),
            purpose: Purpose::Operations,
            request_id: None,
            grant: None,
        }
    }

    /// The person acting, if a person is.
    pub fn actor_id(&self) -> Option<&UserId> {
        match &self.actor {
            Actor::Person { id, .. } => Some(id),
            Actor::Job(_) => None,
        }
    }

    /// How the actor is named in access events.
    pub(crate) fn actor_name(&self) -> String {
        match &self.actor {
            Actor::Person { id, .. } => id.to_string(),
            Actor::Job(job) => job.actor_id().to_string(),
        }
    }

    pub fn role(&self) -> ActorRole {
        match &self.actor {
            Actor::Person { role, .. } => *role,
            Actor::Job(_) => ActorRole::System,
        }
    }

    pub fn purpose(&self) -> Purpose {
        self.purpose
    }

    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    pub fn is_emergency(&self) -> bool {
        self.grant.is_some()
    }

    /// The same person, acting under grant `grant` (for the grant's own events, which
    /// the client sees as emergency access).
    pub(crate) fn under_grant(mut self, grant: &str) -> Self {
        self.purpose = Purpose::Emergency;
        self.grant = Some(grant.to_string());
        self
    }
}
