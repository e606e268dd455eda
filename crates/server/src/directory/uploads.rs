//! Uploads: a therapist's photo (decoded and re-encoded here, so no metadata such as GPS
//! position survives, and size-limited) and license evidence (a PDF or image, sealed by the
//! vault under the therapist's key; only they and admins can read it, and reads are logged).

use crate::platform::auth::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::state::AppState;
use rapport_core::{Invalid, Role, UserId};
use rapport_vault::{Locator, Purpose, RecordKind};

/// Photos are scaled to fit this square.
pub const PHOTO_SIZE: u32 = 512;

/// The largest photo accepted, in pixels (about 24 megapixels: a phone photo fits; a
/// decompression bomb does not). Decoding costs about 4 bytes a pixel.
pub const MAX_PHOTO_PIXELS: u64 = 24_000_000;
/// Photos decoded at once, per server: each may take ~100 MB while it is decoded.
const DECODES_AT_ONCE: usize = 2;

/// Decodes a JPEG or PNG, scales it down and re-encodes it as PNG — on the blocking
/// pool, a few at a time, so a burst of large images cannot stall other requests or
/// exhaust memory.
pub async fn reencode_photo(bytes: Vec<u8>) -> AppResult<Vec<u8>> {
    static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(DECODES_AT_ONCE);
    let _turn = DECODING
        .acquire()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || reencode_photo_now(&bytes))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
}

fn reencode_photo_now(bytes: &[u8]) -> AppResult<Vec<u8>> {
    let bad = || {
        AppError::Invalid(Invalid::new(
            "photo",
            "Upload a JPEG or PNG photo under 5 MB and 24 megapixels.",
        ))
    };
    let format = image::guess_format(bytes).map_err(|_| bad())?;
    if !matches!(format, image::ImageFormat::Png | image::ImageFormat::Jpeg) {
        return Err(bad());
    }
    // The header says how large the image is: refuse before decoding a pixel.
    let (w, h) = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| bad())?;
    if u64::from(w) * u64::from(h) > MAX_PHOTO_PIXELS {
        return Err(bad());
    }
    let mut reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8000);
    limits.max_image_height = Some(8000);
    limits.max_alloc = Some(128 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| bad())?;
    let small = img.thumbnail(PHOTO_SIZE, PHOTO_SIZE);
    let mut out = std::io::Cursor::new(Vec::new());
    small
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(out.into_inner())
}

/// The content type of evidence, from its first bytes; only PDFs and images are accepted.
pub fn evidence_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else {
        None
    }
}

fn locator<'a>(owner: &'a UserId, license: &'a str) -> Locator<'a> {
    Locator {
        client: owner,
        care: None,
        kind: RecordKind::LicenseEvidence,
        table: "license_evidence",
        row_id: license,
        field: "sealed",
    }
}

/// Seals and stores evidence for one of the therapist's own licenses.
pub async fn store_evidence(
    state: &AppState,
    therapist: &Actor,
    license: &str,
    bytes: &[u8],
    request_id: &str,
) -> AppResult<()> {
    let content_type = evidence_type(bytes).ok_or_else(|| {
        AppError::Invalid(Invalid::new(
            "evidence",
            "Upload the evidence as a PDF, PNG or JPEG file under 5 MB.",
        ))
    })?;
    // The therapist owns the key: the vault sees the writer is the locator's owner (their
    // own record, no access event); an admin's reads are logged.
    let mut tx = state.store.begin_write().await?;
    let ctx = therapist.access(Purpose::Operations, request_id);
    let data = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, bytes);
    let sealed = state
        .vault
        .seal(&mut tx, &ctx, &locator(&therapist.user.id, license), &data)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    state
        .store
        .save_evidence(&mut tx, license, content_type, &sealed, bytes.len() as i64)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Opens a license's evidence for its therapist or an admin (the read is logged).
pub async fn read_evidence(
    state: &AppState,
    reader: &Actor,
    license: &str,
    request_id: &str,
) -> AppResult<(String, Vec<u8>)> {
    let l = state
        .store
        .license(license)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = UserId(l.therapist_id.clone());
    if reader.user.id != owner && reader.role() != Role::Admin {
        return Err(AppError::NotFound);
    }
    let (content_type, sealed) = state
        .store
        .evidence(license)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut tx = state.store.begin_write().await?;
    let opened = state
        .vault
        .open(
            &mut tx,
            &reader.access(Purpose::Operations, request_id),
            &locator(&owner, license),
            &sealed,
        )
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tx.commit().await?;
    let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, opened.expose())
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((content_type, bytes))
}
