//! "Download everything": all that Rapport holds about a client, as JSON and as an HL7
//! FHIR R4 Bundle (Patient, Consent, AuditEvent; later issues add their resources).

mod document;

use super::access_log;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use crate::privacy::consent;
use base64::Engine;
use document as doc;
use rapport_store::users::User;
use serde_json::{json, Value};

fn iso(ms: i64) -> String {
    rapport_core::time::from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Everything about the client, in the export's own document types.
pub async fn json_export(state: &AppState, user: &User) -> AppResult<Value> {
    let doc = document(state, user).await?;
    serde_json::to_value(doc).map_err(|e| AppError::Internal(e.into()))
}

async fn document(state: &AppState, user: &User) -> AppResult<doc::Export> {
    let tz = user.time_zone();
    let devices = state
        .store
        .user_sessions(&user.id)
        .await?
        .into_iter()
        .map(|s| doc::Device {
            expires_at: s.expires_at(),
            id: s.id.to_string(),
            level: s.level.as_str().to_string(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            user_agent: s.user_agent,
        })
        .collect();
    let api_tokens = state
        .store
        .api_tokens(&user.id)
        .await?
        .into_iter()
        .map(|t| doc::Token {
            id: t.id.to_string(),
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
        })
        .collect();
    let security_events = state
        .store
        .security_events(Some(&user.id), i64::MAX)
        .await?
        .into_iter()
        .map(|e| doc::SecurityEvent {
            id: e.id,
            kind: e.kind,
            ip: e.ip,
            request_id: e.request_id,
            at: e.at,
        })
        .collect();
    let consents = consent::latest_signatures(state, &user.id)
        .await?
        .into_iter()
        .map(|s| doc::Consent {
            id: s.id,
            document: s.document,
            version: s.version,
            text_sha256: s.text_sha256,
            typed_name: s.typed_name,
            signed_at: s.signed_at,
            withdrawn_at: s.withdrawn_at,
        })
        .collect();
    let access_log = access_log::access_log(state, &user.id, &tz)
        .await?
        .into_iter()
        .map(|e| doc::Access {
            seq: e.seq,
            at: e.at,
            sentence: e.sentence,
            who: e.who,
            role: e.role,
            record_kind: e.record_kind,
            action: e.action,
            purpose: e.purpose,
            emergency: e.emergency,
            request_id: e.request_id,
        })
        .collect();
    let mut appointments = Vec::new();
    for a in state.store.appointments_of(&user.id, 0, i64::MAX).await? {
        let history = state
            .store
            .appointment_events(&a.id)
            .await?
            .into_iter()
            .map(|h| doc::AppointmentEvent {
                seq: h.seq,
                at: h.at,
                kind: h.kind,
                party: h.party,
                starts_at: h.starts_at,
                previous_starts_at: h.previous_starts_at,
                late: h.late.0,
            })
            .collect();
        let policy = crate::scheduling::service::policy_of(&a).text();
        appointments.push(doc::AppointmentRecord {
            appointment: doc::Appointment {
                label: rapport_core::schedule::zone::label(
                    rapport_core::time::from_millis(a.starts_at),
                    tz.tz(),
                ),
                starts_at: iso(a.starts_at),
                ends_at: iso(a.ends_at),
                id: a.id,
                therapist_id: a.therapist_id,
                therapist_name: a.therapist_name,
                client_id: a.client_id,
                client_name: a.client_name,
                session_type: a.session_name,
                series_id: a.series_id,
                status: a.status,
                cancelled_by: a.cancelled_by,
                cancelled_late: a.cancelled_late,
                no_show_therapist: a.no_show_therapist,
                no_show_client: a.no_show_client,
                policy,
            },
            history,
        });
    }
    let mut emergency_access = Vec::new();
    for g in crate::privacy::emergency::grants_for_client(state, &user.id).await? {
        emergency_access.push(doc::EmergencyAccess {
            administrator: name_of(state, &g.admin_id).await?,
            granted_at: iso(g.created_at),
            until: iso(g.ended_at.unwrap_or(g.expires_at).min(g.expires_at)),
            ended_early: g.ended_at.is_some_and(|e| e < g.expires_at),
            id: g.id,
            reason: g.reason,
        });
    }
    Ok(doc::Export {
        format: doc::FORMAT,
        exported_at: iso(rapport_store::now_ms()),
        account: doc::Account {
            id: user.id.to_string(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            pronouns: user.pronouns.clone(),
            time_zone: user.time_zone.clone(),
            role: user.role.as_str().to_string(),
            email_verified: user.email_verified_at.is_some(),
            mfa_enabled: user.mfa_enabled(),
            created_at: iso(user.created_at),
        },
        signed_in_devices: devices,
        api_tokens,
        security_events,
        consents,
        access_log,
        appointments,
        emergency_access,
    })
}

async fn name_of(state: &AppState, id: &str) -> AppResult<String> {
    Ok(state
        .store
        .user(&rapport_core::UserId(id.to_string()))
        .await?
        .map(|u| u.display_name)
        .unwrap_or_else(|| "A former administrator".into()))
}

/// Each break-glass grant as a FHIR `AuditEvent`: "break the glass", its period, who was
/// given access, and the reason they gave.
async fn grant_events(state: &AppState, user: &User) -> AppResult<Vec<Value>> {
    let mut out = Vec::new();
    for g in crate::privacy::emergency::grants_for_client(state, &user.id).await? {
        out.push(json!({
            "fullUrl": format!("urn:rapport:emergency-access:{}", g.id),
            "resource": {
                "resourceType": "AuditEvent",
                "id": format!("emergency-{}", g.id),
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-event-type",
                    "code": "rest",
                    "display": "RESTful Operation"
                },
                "action": "E",
                "period": {
                    "start": iso(g.created_at),
                    "end": iso(g.ended_at.unwrap_or(g.expires_at).min(g.expires_at)),
                },
                "recorded": iso(g.created_at),
                "outcome": "0",
                "outcomeDesc": "Emergency access to the client's records was granted",
                "purposeOfEvent": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                    "code": "BTG",
                    "display": "break the glass"
                }]}],
                "agent": [{
                    "type": {"text": "administrator"},
                    "who": {"display": name_of(state, &g.admin_id).await?},
                    "requestor": true
                }],
                "source": {"observer": {"display": "Rapport"}},
                "entity": [{
                    "what": {"reference": format!("Patient/{}", user.id)},
                    "description": g.reason,
                }]
            }
        }));
    }
    Ok(out)
}

/// The same as a FHIR R4 `Bundle` of type `collection`.
pub async fn fhir_export(state: &AppState, user: &User) -> AppResult<Value> {
    let patient_ref = format!("Patient/{}", user.id);
    let mut entries = vec![json!({
        "fullUrl": format!("urn:rapport:patient:{}", user.id),
        "resource": patient(user),
    })];
    for sig in consent::latest_signatures(state, &user.id).await? {
        let Ok(doc) = consent::document(&sig.document) else {
            continue;
        };
        let text = doc.text_of(sig.version).unwrap_or(doc.text);
        entries.push(json!({
            "fullUrl": format!("urn:rapport:consent:{}", sig.id),
            "resource": {
                "resourceType": "Consent",
                "id": sig.id,
                "identifier": [{"system": "urn:rapport:consent-text-sha256", "value": sig.text_sha256}],
                "status": if sig.withdrawn_at.is_some() { "inactive" } else { "active" },
                "scope": {"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": if doc.key == "privacy-notice" { "patient-privacy" } else { "treatment" },
                }]},
                "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]}],
                "patient": {"reference": patient_ref},
                "dateTime": iso(sig.signed_at),
                "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"}]},
                "sourceAttachment": {
                    "contentType": "text/plain; charset=utf-8",
                    "title": format!("{} (version {}), signed by {}", doc.title, sig.version, sig.typed_name),
                    "data": base64::engine::general_purpose::STANDARD.encode(text),
                },
            }
        }));
    }
    let access = access_log::access_log(state, &user.id, &user.time_zone()).await?;
    if let Some(events) = access_log::fhir_bundle(&user.id, &access)["entry"].as_array() {
        entries.extend(events.iter().cloned());
    }
    entries.extend(grant_events(state, user).await?);
    Ok(json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": iso(rapport_store::now_ms()),
        "entry": entries,
    }))
}

fn patient(user: &User) -> Value {
    let mut p = json!({
        "resourceType": "Patient",
        "id": user.id.to_string(),
        "active": true,
        "name": [{"use": "usual", "text": user.display_name}],
        "telecom": [{"system": "email", "value": user.email, "use": "home"}],
    });
    if let Some(pronouns) = &user.pronouns {
        p["extension"] = json!([{
            "url": "http://hl7.org/fhir/StructureDefinition/individual-pronouns",
            "extension": [{"url": "value", "valueCodeableConcept": {"text": pronouns}}],
        }]);
    }
    p
}
