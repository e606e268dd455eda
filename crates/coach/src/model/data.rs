//! Reading EPITOME-format CSVs (`sp_id, rp_id, seeker_post, response_post, level, …`)
//! and merging the three mechanism files into one corpus of (seeker, reply) pairs.

use super::{Mechanism, ModelError};
use std::collections::HashMap;
use std::path::Path;

/// One (seeker post, reply) pair and its level for each mechanism whose file has it.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub sp_id: String,
    pub seeker: String,
    pub reply: String,
    pub labels: [Option<u8>; 3],
}

/// The rows of all three files; pairs present in several files appear once.
#[derive(Debug, Clone, Default)]
pub(crate) struct Corpus {
    pub rows: Vec<Row>,
}

struct Record {
    sp_id: String,
    rp_id: String,
    seeker: String,
    reply: String,
    level: u8,
}

fn read_file(path: &Path) -> Result<Vec<Record>, ModelError> {
    let err = |reason: String| ModelError::Data {
        path: path.to_path_buf(),
        reason,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .map_err(|e| err(e.to_string()))?;
    let headers = rdr.headers().map_err(|e| err(e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| err(format!("no `{name}` column")))
    };
    let (sp, rp, sk, rs, lv) = (
        col("sp_id")?,
        col("rp_id")?,
        col("seeker_post")?,
        col("response_post")?,
        col("level")?,
    );
    let mut out = Vec::new();
    for (n, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let field = |i: usize| rec.get(i).unwrap_or("").to_string();
        let level_text = field(lv);
        let level: u8 = match level_text.trim() {
            "0" => 0,
            "1" => 1,
            "2" => 2,
            other => {
                return Err(err(format!(
                    "row {}: level {other:?} is not 0, 1 or 2",
                    n + 2
                )))
            }
        };
        out.push(Record {
            sp_id: field(sp),
            rp_id: field(rp),
            seeker: field(sk),
            reply: field(rs),
            level,
        });
    }
    if out.is_empty() {
        return Err(err("no rows".into()));
    }
    Ok(out)
}

impl Corpus {
    /// Reads the three mechanism files from `dir`. Rows are matched across files by
    /// (sp_id, rp_id, occurrence), so repeated pairs stay separate examples.
    pub(crate) fn load(dir: &Path) -> Result<Corpus, ModelError> {
        let mut corpus = Corpus::default();
        let mut index: HashMap<(String, String, u32), usize> = HashMap::new();
        for m in Mechanism::ALL {
            let path = dir.join(m.file_name());
            if !path.is_file() {
                return Err(ModelError::Data {
                    path,
                    reason: "file not found".into(),
                });
            }
            let mut seen: HashMap<(String, String), u32> = HashMap::new();
            for r in read_file(&path)? {
                let occ = seen.entry((r.sp_id.clone(), r.rp_id.clone())).or_insert(0);
                let key = (r.sp_id.clone(), r.rp_id.clone(), *occ);
                *occ += 1;
                let i = *index.entry(key).or_insert_with(|| {
                    corpus.rows.push(Row {
                        sp_id: r.sp_id.clone(),
                        seeker: r.seeker.clone(),
                        reply: r.reply.clone(),
                        labels: [None; 3],
                    });
                    corpus.rows.len() - 1
                });
                corpus.rows[i].labels[m.index()] = Some(r.level);
            }
        }
        Ok(corpus)
    }
}
