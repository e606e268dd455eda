//! The client's privacy centre: who accessed their records, when and why, in plain
//! language, and the same as HL7 FHIR R4 `AuditEvent` resources.

use crate::platform::error::AppResult;
use crate::platform::state::AppState;
use rapport_core::{time::human, Role, TimeZoneName, UserId};
use rapport_vault::{chain, AccessEvent, Action, ActorRole, Purpose, RecordKind};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// One access, as the client reads it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AccessEntry {
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// "Dr. Hannah Lee (therapist) read your notes — Tue 3 Dec 2026, 10:02"
    pub sentence: String,
    pub who: String,
    pub role: String,
    pub record_kind: String,
    pub action: String,
    pub purpose: String,
    pub emergency: bool,
    pub request_id: Option<String>,
}

fn kind_words(kind: &str) -> &'static str {
    match RecordKind::parse(kind) {
        Some(RecordKind::Message) => "messages",
        Some(RecordKind::Attachment) => "attachments",
        Some(RecordKind::Note) => "notes",
        Some(RecordKind::QuestionnaireAnswer) => "questionnaire answers",
        Some(RecordKind::TreatmentPlan) => "treatment plan",
        Some(RecordKind::SessionSummary) => "session summaries",
        Some(RecordKind::IntakeAnswer) => "intake answers",
        Some(RecordKind::ContactRequest) => "contact request",
        Some(RecordKind::RelationshipNote) => "notes on your care",
        Some(RecordKind::LicenseEvidence) => "license evidence",
        Some(RecordKind::DataKey) => "records",
        Some(RecordKind::EmergencyGrant) => "records (emergency access)",
        Some(RecordKind::Secret) => "account secrets",
        None => "records",
    }
}

fn purpose_words(purpose: &str) -> &'static str {
    match Purpose::parse(purpose) {
        Some(Purpose::Treatment) => "for your care",
        Some(Purpose::ClientRequest) => "because you asked",
        Some(Purpose::Emergency) => "in an emergency",
        Some(Purpose::Operations) => "to run the service",
        None => "",
    }
}

/// The client's whole access log in plain words, newest first.
pub async fn access_log(
    state: &AppState,
    client: &UserId,
    tz: &TimeZoneName,
) -> AppResult<Vec<AccessEntry>> {
    let events = chain::events_for_client(&state.store, client.as_str(), i64::MAX)
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let mut names: HashMap<String, (String, Role)> = HashMap::new();
    for id in events.iter().filter_map(|e| e.actor_id.clone()) {
        if names.contains_key(&id) {
            continue;
        }
        if let Some(u) = state.store.user(&UserId(id.clone())).await? {
            names.insert(id, (u.display_name, u.role));
        }
    }
    Ok(events.iter().map(|e| entry(e, &names, tz)).collect())
}

fn entry(
    e: &AccessEvent,
    names: &HashMap<String, (String, Role)>,
    tz: &TimeZoneName,
) -> AccessEntry {
    let role = ActorRole::parse(&e.actor_role);
    let who = match (&e.actor_id, role) {
        (_, Some(ActorRole::System)) | (None, _) => "Rapport's automated service".to_string(),
        (Some(id), _) => names
            .get(id)
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| "A former staff member".into()),
    };
    let role_label = match role {
        Some(ActorRole::Therapist) => "therapist",
        Some(ActorRole::Admin) => "administrator",
        Some(ActorRole::Client) => "client",
        _ => "system",
    };
    let verb = match Action::parse(&e.action) {
        Some(Action::Write) => "wrote to",
        Some(Action::DestroyKey) => "destroyed the key of",
        Some(Action::RewrapKey) => "re-encrypted the key of",
        Some(Action::Grant) => "was given access to",
        Some(Action::EndGrant) => "gave up access to",
        _ => "read",
    };
    let who_part = if role == Some(ActorRole::System) {
        who.clone()
    } else {
        format!("{who} ({role_label})")
    };
    let emergency = e.emergency != 0;
    let sentence = format!(
        "{prefix}{who_part} {verb} your {kind} {purpose} — {when}",
        prefix = if emergency { "Emergency access: " } else { "" },
        kind = kind_words(&e.record_kind),
        purpose = purpose_words(&e.purpose),
        when = human(e.at, tz),
    );
    AccessEntry {
        seq: e.seq,
        at: e.at,
        sentence,
        who,
        role: role_label.into(),
        record_kind: e.record_kind.clone(),
        action: e.action.clone(),
        purpose: e.purpose.clone(),
        emergency,
        request_id: e.request_id.clone(),
    }
}

/// The v3 ActReason code for a purpose of use.
fn purpose_code(purpose: &str) -> (&'static str, &'static str) {
    match Purpose::parse(purpose) {
        Some(Purpose::Treatment) => ("TREAT", "treatment"),
        Some(Purpose::ClientRequest) => ("PATRQT", "patient requested"),
        Some(Purpose::Emergency) => ("ETREAT", "Emergency Treatment"),
        _ => ("HOPERAT", "healthcare operations"),
    }
}

fn iso(ms: i64) -> String {
    rapport_core::time::from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The log as a FHIR R4 `Bundle` (type `collection`) of `AuditEvent` resources.
pub fn fhir_bundle(client: &UserId, entries: &[AccessEntry]) -> Value {
    let resources: Vec<Value> = entries
        .iter()
        .map(|e| {
            let (code, display) = purpose_code(&e.purpose);
            let action = if e.action == "write" { "U" } else { "R" };
            json!({
                "fullUrl": format!("urn:rapport:audit-event:{}", e.seq),
                "resource": {
                    "resourceType": "AuditEvent",
                    "id": format!("access-{}", e.seq),
                    "type": {
                        "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                        "code": "rest",
                        "display": "RESTful Operation"
                    },
                    "action": action,
                    "recorded": iso(e.at),
                    "outcome": "0",
                    "outcomeDesc": e.sentence,
                    "purposeOfEvent": [{
                        "coding": [{
                            "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                            "code": code,
                            "display": display
                        }]
                    }],
                    "agent": [{
                        "type": {"text": e.role},
                        "who": {"display": e.who},
                        "requestor": true
                    }],
                    "source": {
                        "observer": {"display": "Rapport"},
                        "type": [{
                            "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
                            "code": "4",
                            "display": "Application Server"
                        }]
                    },
                    "entity": [{
                        "what": {"reference": format!("Patient/{client}")},
                        "type": {
                            "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                            "code": "1",
                            "display": "Person"
                        }
                    }, {
                        "what": {"display": format!("{} {}", e.record_kind, e.seq)},
                        "type": {
                            "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                            "code": "2",
                            "display": "System Object"
                        }
                    }]
                }
            })
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": iso(rapport_store::now_ms()),
        "entry": resources
    })
}
