//! The learned part of the coach: EPITOME empathy levels (emotional reactions,
//! interpretations, explorations; none/weak/strong) from TF-IDF features (word 1–2-grams
//! and character 1–5-grams of the reply) and one multinomial logistic-regression head per
//! mechanism, all in pure Rust.
//!
//! The TF-IDF vectorizer ([`text`]) and the L-BFGS-trained softmax regression ([`lr`])
//! are hand-written: no well-kept crate offers scikit-learn's exact feature recipe or a
//! sparse, sample-weighted multinomial LR without heavy native dependencies.
//!
//! Training data are the EPITOME Reddit CSVs, licensed for non-commercial research
//! only: neither the data nor a trained model belongs in the repository. Operators train
//! a model with `rapport coach train` and point the server at the file.

mod data;
mod eval;
mod lr;
mod text;
mod train;

pub use eval::{MechanismReport, Report};
pub use lr::SolverOptions;
pub use text::{Analyzer, BlockSpec, Source};
pub use train::{
    cross_validate, cross_validate_with, default_data_dir, fold_of, HeadSummary, Progress,
    TrainConfig,
};

use crate::feedback::{EmpathyLevels, Level, MechanismResult, Span};
use data::Corpus;
use lr::Softmax;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use text::{DocGrams, Scratch, Vectorizer};
use train::{extract_all, report};

/// An EPITOME empathy mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mechanism {
    EmotionalReactions,
    Interpretations,
    Explorations,
}

impl Mechanism {
    pub const ALL: [Mechanism; 3] = [
        Mechanism::EmotionalReactions,
        Mechanism::Interpretations,
        Mechanism::Explorations,
    ];

    /// `emotional_reactions`, `interpretations` or `explorations`.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::EmotionalReactions => "emotional_reactions",
            Mechanism::Interpretations => "interpretations",
            Mechanism::Explorations => "explorations",
        }
    }

    /// The EPITOME file holding this mechanism's labels.
    pub fn file_name(self) -> &'static str {
        match self {
            Mechanism::EmotionalReactions => "emotional-reactions-reddit.csv",
            Mechanism::Interpretations => "interpretations-reddit.csv",
            Mechanism::Explorations => "explorations-reddit.csv",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    /// What to consider when the mechanism is absent or weak.
    pub fn suggestion(self) -> &'static str {
        match self {
            Mechanism::EmotionalReactions => {
                "Consider naming the feeling you hear, e.g. 'That sounds exhausting.'"
            }
            Mechanism::Interpretations => {
                "Consider saying what you understand of their experience, e.g. 'It sounds like you feel stuck between …'"
            }
            Mechanism::Explorations => {
                "Consider asking an open question about how this is affecting them."
            }
        }
    }
}

/// Why a model could not be trained, evaluated, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("cannot read or write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a Rapport coach model file", path.display())]
    NotAModel { path: PathBuf },
    #[error(
        "{} is a coach model of format version {found}, but this Rapport reads version {expected}; retrain it with `rapport coach train`",
        path.display()
    )]
    WrongVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("coach model file {} is corrupt: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("training data {}: {reason}", path.display())]
    Data { path: PathBuf, reason: String },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A trained empathy model: one shared vectorizer and a classifier per mechanism.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Model {
    config: TrainConfig,
    vectorizer: Vectorizer,
    heads: Vec<Softmax>,
    summaries: Vec<HeadSummary>,
}

/// Model file layout: magic, format version (u32 LE), payload length (u64 LE), payload
/// checksum (u64 LE), then the postcard-encoded [`Model`].
const MAGIC: &[u8; 12] = b"RAPPORTCOACH";
/// Bump whenever the encoded [`Model`] or the feature recipe changes.
pub const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 12 + 4 + 8 + 8;

/// A fast 64-bit checksum over 8-byte words (integrity, not security).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0x243f_6a88_85a3_08d3 ^ bytes.len() as u64;
    let chunks = bytes.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        h = (h ^ w).wrapping_mul(0x9e37_79b9_7f4a_7c15).rotate_left(29);
    }
    for &b in rest {
        h = (h ^ u64::from(b))
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left(29);
    }
    text::mix(h)
}

fn argmax(p: &[f32; 3]) -> u8 {
    let mut best = 0;
    for k in 1..3 {
        if p[k] > p[best] {
            best = k;
        }
    }
    best as u8
}

/// The sentences of `text` as spans (byte offsets on char boundaries), trimmed of
/// surrounding whitespace. A sentence ends after `.`, `!`, `?` or `…` (and any closing
/// quotes or brackets) followed by whitespace, or at a line break.
pub fn sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0usize;
    let mut chars = text.char_indices().peekable();
    let push = |s: usize, e: usize, out: &mut Vec<Span>| {
        let piece = &text[s..e];
        let lead = piece.len() - piece.trim_start().len();
        let trimmed = piece.trim();
        if !trimmed.is_empty() {
            out.push(Span {
                start: s + lead,
                end: s + lead + trimmed.len(),
            });
        }
    };
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            push(start, i, &mut out);
            start = i + 1;
        } else if matches!(c, '.' | '!' | '?' | '…') {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if matches!(d, '.' | '!' | '?' | '…' | '"' | '\'' | ')' | '”' | '’') {
                    end = j + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            if chars.peek().is_none_or(|&(_, d)| d.is_whitespace()) {
                push(start, end, &mut out);
                start = end;
            }
        }
    }
    push(start, text.len(), &mut out);
    out
}

/// Expected level (0–2): how much of the mechanism the model sees.
fn expected_level(p: &[f32; 3]) -> f32 {
    p[1] + 2.0 * p[2]
}

fn level_of(k: u8) -> Level {
    match k {
        0 => Level::None,
        1 => Level::Weak,
        _ => Level::Strong,
    }
}

impl Model {
    /// The recipe the model was trained with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Training facts per mechanism (in [`Mechanism::ALL`] order).
    pub fn summaries(&self) -> [(Mechanism, HeadSummary); 3] {
        Mechanism::ALL.map(|m| (m, self.summaries[m.index()]))
    }

    /// Number of TF-IDF features.
    pub fn features(&self) -> usize {
        self.vectorizer.dim()
    }

    /// Encodes the model in the file format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let payload = postcard::to_allocvec(self).expect("a model always serialises");
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(&checksum(&payload).to_le_bytes());
        out.extend_from_slice(&payload);
        out
    }

    /// Writes the model file (via a temporary file renamed into place).
    pub fn save(&self, path: &Path) -> Result<(), ModelError> {
        let io = |source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, self.to_bytes()).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// Reads a model file written by [`Model::save`].
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(&bytes, path)
    }

    /// Decodes a model file's bytes; `path` is only used in error messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model, ModelError> {
        let corrupt = |reason: &str| ModelError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
            return Err(ModelError::NotAModel {
                path: path.to_path_buf(),
            });
        }
        if bytes.len() < HEADER_LEN {
            return Err(corrupt("truncated header"));
        }
        let u32_at = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap_or([0; 4]));
        let u64_at = |o: usize| u64::from_le_bytes(bytes[o..o + 8].try_into().unwrap_or([0; 8]));
        let version = u32_at(12);
        if version != FORMAT_VERSION {
            return Err(ModelError::WrongVersion {
                path: path.to_path_buf(),
                found: version,
                expected: FORMAT_VERSION,
            });
        }
        let len = u64_at(16);
        let payload = &bytes[HEADER_LEN..];
        if payload.len() as u64 != len {
            return Err(corrupt(&format!(
                "expected {len} bytes of model data, found {} (truncated or appended to)",
                payload.len()
            )));
        }
        if checksum(payload) != u64_at(24) {
            return Err(corrupt("checksum mismatch"));
        }
        let mut model: Model = postcard::from_bytes(payload)
            .map_err(|e| corrupt(&format!("cannot decode model data: {e}")))?;
        model.check().map_err(|r| corrupt(&r))?;
        model.vectorizer.rebuild_indexes();
        Ok(model)
    }

    /// Structural invariants (a decoded file could still be inconsistent).
    fn check(&self) -> Result<(), String> {
        let v = &self.vectorizer;
        if v.specs.len() != v.vocabs.len() || v.specs != self.config.blocks {
            return Err("feature blocks disagree".into());
        }
        for voc in &v.vocabs {
            if voc.hashes.len() != voc.idf.len() || !voc.is_sorted_unique() {
                return Err("vocabulary is malformed".into());
            }
            if voc.idf.iter().any(|x| !x.is_finite()) {
                return Err("non-finite idf".into());
            }
        }
        if self.heads.len() != 3 || self.summaries.len() != 3 {
            return Err("expected three mechanism heads".into());
        }
        for h in &self.heads {
            if h.dim() != v.dim() || h.w.len() % lr::K != 0 {
                return Err("weights do not match the vocabulary".into());
            }
            if h.w.iter().chain(&h.b).any(|x| !x.is_finite()) {
                return Err("non-finite weights".into());
            }
        }
        Ok(())
    }

    fn probabilities(&self, doc: &DocGrams, row: &mut Vec<(u32, f32)>) -> [[f32; 3]; 3] {
        self.vectorizer.transform(doc, row);
        [0, 1, 2].map(|m| self.heads[m].predict_proba(row))
    }

    /// Predicted level index (0–2) per mechanism for one pair.
    pub fn predict(&self, seeker: &str, reply: &str) -> [u8; 3] {
        let mut s = Scratch::default();
        let mut d = DocGrams::default();
        text::extract(&self.config.blocks, seeker, reply, &mut s, &mut d);
        self.probabilities(&d, &mut Vec::new()).map(|p| argmax(&p))
    }

    /// Empathy levels of `reply` (to the client's `seeker` message), with the sentences
    /// that carry each mechanism and a suggestion when it is absent or weak.
    pub fn assess(&self, seeker: &str, reply: &str) -> EmpathyLevels {
        let blocks = &self.config.blocks;
        let mut scratch = Scratch::default();
        let mut doc = DocGrams::default();
        let mut row = Vec::with_capacity(2048);
        text::extract(blocks, seeker, reply, &mut scratch, &mut doc);
        let full = self.probabilities(&doc, &mut row);
        let levels = full.map(|p| argmax(&p));

        let mut spans: [Vec<Span>; 3] = Default::default();
        if levels.iter().any(|&l| l > 0) {
            let sents = sentences(reply);
            if sents.len() == 1 {
                for m in 0..3 {
                    if levels[m] > 0 {
                        spans[m] = sents.clone();
                    }
                }
            } else if sents.len() > 1 {
                // Leave-one-out: how much does the expected level drop without each sentence?
                let mut drops = vec![[0f32; 3]; sents.len()];
                let mut without = String::with_capacity(reply.len());
                for (si, s) in sents.iter().enumerate() {
                    without.clear();
                    without.push_str(&reply[..s.start]);
                    without.push(' ');
                    without.push_str(&reply[s.end..]);
                    text::extract_source(blocks, Source::Reply, &without, &mut scratch, &mut doc);
                    let p = self.probabilities(&doc, &mut row);
                    for m in 0..3 {
                        drops[si][m] = expected_level(&full[m]) - expected_level(&p[m]);
                    }
                }
                for m in 0..3 {
                    if levels[m] == 0 {
                        continue;
                    }
                    let best = drops.iter().map(|d| d[m]).fold(f32::NEG_INFINITY, f32::max);
                    for (si, s) in sents.iter().enumerate() {
                        let d = drops[si][m];
                        if d == best || (d > 0.05 && d >= 0.5 * best) {
                            spans[m].push(*s);
                        }
                    }
                }
            }
        }
        let [s0, s1, s2] = spans;
        let result = |m: usize, spans: Vec<Span>| MechanismResult {
            level: level_of(levels[m]),
            probabilities: full[m],
            spans,
            suggestion: (levels[m] < 2).then(|| Mechanism::ALL[m].suggestion().to_string()),
        };
        EmpathyLevels {
            emotional_reactions: result(0, s0),
            interpretations: result(1, s1),
            explorations: result(2, s2),
        }
    }

    /// Scores the model on another labelled set in the EPITOME format.
    pub fn evaluate(&self, data_dir: &Path) -> Result<Report, ModelError> {
        let corpus = Corpus::load(data_dir)?;
        let docs = extract_all(&self.config.blocks, &corpus);
        let mut row = Vec::new();
        let mut confusion = [[[0u32; 3]; 3]; 3];
        for (r, d) in corpus.rows.iter().zip(&docs) {
            let p = self.probabilities(d, &mut row);
            for m in 0..3 {
                if let Some(t) = r.labels[m] {
                    confusion[m][t as usize][argmax(&p[m]) as usize] += 1;
                }
            }
        }
        Ok(report(confusion))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_terminators_and_lines() {
        let t = "I hear you. That sounds hard!\nWhat happened next? Tell me more";
        let s: Vec<&str> = sentences(t).iter().map(|s| &t[s.start..s.end]).collect();
        assert_eq!(
            s,
            [
                "I hear you.",
                "That sounds hard!",
                "What happened next?",
                "Tell me more"
            ]
        );
        assert!(sentences("  ").is_empty());
        let u = "Ça va… Très bien.";
        let s: Vec<&str> = sentences(u).iter().map(|s| &u[s.start..s.end]).collect();
        assert_eq!(s, ["Ça va…", "Très bien."]);
    }
}
