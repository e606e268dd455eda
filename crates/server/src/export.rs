//! "Download everything": all that Rapport holds about a client, as JSON and as an HL7
//! FHIR R4 Bundle (Patient, Consent, AuditEvent; later issues add their resources).

use crate::consent;
use crate::error::AppResult;
use crate::privacy;
use crate::state::AppState;
use base64::Engine;
use rapport_store::users::User;
use serde_json::{json, Value};

fn iso(ms: i64) -> String {
    rapport_core::time::from_millis(ms).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Everything about the client, in Rapport's own shapes.
pub async fn json_export(state: &AppState, user: &User) -> AppResult<Value> {
    let tz = user.time_zone();
    let sessions = state.store.user_sessions(&user.id).await?;
    let tokens = state.store.api_tokens(&user.id).await?;
    let events = state.store.security_events(Some(&user.id), 1000).await?;
    let consents = state.store.latest_signatures(&user.id).await?;
    let access = privacy::access_log(state, &user.id, &tz).await?;
    let mut appointments = Vec::new();
    for a in state.store.appointments_of(&user.id, 0, i64::MAX).await? {
        let history = state.store.appointment_events(&a.id).await?;
        appointments.push(json!({
            "appointment": crate::api::schedule::view(&a, tz.tz()),
            "history": history,
        }));
    }
    Ok(json!({
        "exported_at": iso(rapport_store::now_ms()),
        "account": crate::api::accounts::Me::from(user),
        "signed_in_devices": sessions,
        "api_tokens": tokens,
        "security_events": events,
        "consents": consents,
        "access_log": access,
        "appointments": appointments,
    }))
}

/// The same as a FHIR R4 `Bundle` of type `collection`.
pub async fn fhir_export(state: &AppState, user: &User) -> AppResult<Value> {
    let patient_ref = format!("Patient/{}", user.id);
    let mut entries = vec![json!({
        "fullUrl": format!("urn:rapport:patient:{}", user.id),
        "resource": patient(user),
    })];
    for sig in state.store.latest_signatures(&user.id).await? {
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
    let access = privacy::access_log(state, &user.id, &user.time_zone()).await?;
    if let Some(events) = privacy::fhir_bundle(&user.id, &access)["entry"].as_array() {
        entries.extend(events.iter().cloned());
    }
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
