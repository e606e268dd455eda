//! Real readers of what Rapport writes, to check it the way other systems will: HL7 FHIR
//! R4 with Python's `fhir.resources`, iCalendar with Python's `icalendar`.

use std::process::Command;

/// Validates `json` as an HL7 FHIR R4 resource with the Python `fhir.resources` models
/// (R4B), returning the validator's complaint if any. `None` (after saying so) when the
/// package is missing (a failure under CI, which installs it).
pub fn fhir_validate(json: &str, resource: &str) -> Option<Result<(), String>> {
    let module = resource.to_lowercase();
    if !crate::python_has("fhir.resources.R4B") {
        crate::unavailable(
            "Python's fhir.resources (a FHIR validator)",
            "pip install fhir.resources",
        );
        return None;
    }
    let path = std::env::temp_dir().join(format!("rapport-fhir-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&path, json).ok()?;
    let script = format!(
        "import sys\nfrom fhir.resources.R4B.{module} import {resource}\n{resource}.model_validate_json(open(sys.argv[1]).read())\n"
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// Parses iCalendar text with Python's `icalendar` library (a real RFC 5545 reader) and
/// returns what it understood: each time zone's id, and each event's UID, SUMMARY,
/// DESCRIPTION, STATUS, and start and end as UTC instants plus the TZID they were written
/// in. `None` when the library is missing (a failure under CI, which installs it).
pub fn ical_read(ics: &str) -> Option<Result<serde_json::Value, String>> {
    if !crate::python_has("icalendar") {
        crate::unavailable(
            "Python's icalendar (an RFC 5545 reader)",
            "pip install icalendar",
        );
        return None;
    }
    let path = std::env::temp_dir().join(format!("rapport-ical-{}.ics", uuid::Uuid::new_v4()));
    std::fs::write(&path, ics).ok()?;
    let script = r#"
import sys, json, datetime
from icalendar import Calendar
cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())
out = {"timezones": [], "events": []}
for c in cal.walk():
    if c.name == "VTIMEZONE":
        out["timezones"].append(str(c["TZID"]))
    if c.name == "VEVENT":
        s = c.decoded("DTSTART"); e = c.decoded("DTEND")
        assert s.tzinfo is not None and e.tzinfo is not None, "times must carry a zone"
        out["events"].append({
            "uid": str(c["UID"]), "summary": str(c["SUMMARY"]), "description": str(c["DESCRIPTION"]),
            "status": str(c.get("STATUS")), "tzid": c["DTSTART"].params.get("TZID"),
            "start": s.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end": e.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        })
print(json.dumps(out))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .ok()?;
    let _ = std::fs::remove_file(&path);
    Some(if out.status.success() {
        serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}
