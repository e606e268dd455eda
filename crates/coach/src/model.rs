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

pub use eval::{MechanismReport, Report};
pub use lr::SolverOptions;
pub use text::{Analyzer, BlockSpec, Source};

use crate::feedback::{EmpathyLevels, Level, MechanismResult, Span};
use data::Corpus;
use lr::{Csr, Softmax};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use text::{DocGrams, Scratch, Vectorizer};

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

/// How to build the features and fit the classifiers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// TF-IDF blocks, concatenated in order.
    pub blocks: Vec<BlockSpec>,
    /// `C` per mechanism (emotional reactions, interpretations, explorations).
    pub c: [f64; 3],
    /// Solver tolerances (its `c` is ignored in favour of the per-mechanism values).
    pub solver: SolverOptions,
}

impl Default for TrainConfig {
    /// The tuned recipe. Starting from the scikit-learn baseline (reply word 1–2-grams +
    /// char 2–5-grams, sublinear tf, balanced class weights, C = 3), three cheap changes
    /// raised cross-validated scores, mostly for explorations: character n-grams start at
    /// length 1 (so `?` and `!` count on their own), the word block is weighted 0.7
    /// against the character block, character n-grams seen in only one training reply
    /// are dropped (a smaller model, same accuracy), and emotional reactions use C = 2.
    /// Seeker-post features were tried and hurt every mechanism.
    fn default() -> Self {
        TrainConfig {
            blocks: vec![
                BlockSpec {
                    source: Source::Reply,
                    analyzer: Analyzer::Word { min_n: 1, max_n: 2 },
                    min_df: 1,
                    weight: 0.7,
                },
                BlockSpec {
                    source: Source::Reply,
                    analyzer: Analyzer::Char { min_n: 1, max_n: 5 },
                    min_df: 2,
                    weight: 1.0,
                },
            ],
            c: [2.0, 3.0, 3.0],
            solver: SolverOptions::default(),
        }
    }
}

impl TrainConfig {
    fn validate(&self) -> Result<(), ModelError> {
        if self.blocks.is_empty() {
            return Err(ModelError::Config("no feature blocks".into()));
        }
        for b in &self.blocks {
            let (lo, hi) = match b.analyzer {
                Analyzer::Word { min_n, max_n } | Analyzer::Char { min_n, max_n } => (min_n, max_n),
            };
            if lo == 0 || lo > hi || hi > 8 {
                return Err(ModelError::Config(format!("bad n-gram range {lo}..={hi}")));
            }
        }
        if self.c.iter().any(|&c| !(c > 0.0 && c.is_finite())) {
            return Err(ModelError::Config("C must be positive".into()));
        }
        Ok(())
    }

    fn solver_for(&self, m: usize) -> SolverOptions {
        SolverOptions {
            c: self.c[m],
            ..self.solver
        }
    }
}

/// Per-mechanism facts about a training run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HeadSummary {
    /// Training examples per level (none, weak, strong).
    pub class_counts: [u32; 3],
    pub iterations: u32,
    /// Final value of the (1/S-scaled) training objective.
    pub loss: f64,
    /// Accuracy on the training data itself.
    pub train_accuracy: f64,
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

/// Progress messages of long operations (training, cross-validation).
pub type Progress<'a> = &'a (dyn Fn(&str) + Sync);

fn quiet(_: &str) {}

/// Runs `jobs` closures on up to `available_parallelism` threads; results in job order.
fn parallel<T: Send>(jobs: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(jobs.max(1));
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..jobs).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= jobs {
                    break;
                }
                let r = f(i);
                results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

fn extract_all(specs: &[BlockSpec], corpus: &Corpus) -> Vec<DocGrams> {
    let rows = &corpus.rows;
    let chunks = 8usize;
    let per = rows.len().div_ceil(chunks).max(1);
    parallel(chunks, |c| {
        let mut scratch = Scratch::default();
        rows.iter()
            .skip(c * per)
            .take(per)
            .map(|r| {
                let mut d = DocGrams::default();
                text::extract(specs, &r.seeker, &r.reply, &mut scratch, &mut d);
                d
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

fn design(vectorizer: &Vectorizer, docs: &[&DocGrams]) -> Csr {
    let mut x = Csr::new(vectorizer.dim());
    let mut row = Vec::new();
    for d in docs {
        vectorizer.transform(d, &mut row);
        x.push_row(&row);
    }
    x
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

/// Fits one head on the rows of `x` (all with labels in `y`).
fn fit_head(x: &Csr, y: &[u8], opts: &SolverOptions) -> (Softmax, HeadSummary) {
    let sw = lr::balanced_weights(y);
    let (head, stats) = lr::fit(x, y, &sw, opts);
    let mut class_counts = [0u32; 3];
    for &c in y {
        class_counts[c as usize] += 1;
    }
    let mut correct = 0usize;
    for (i, &yi) in y.iter().enumerate() {
        let (a, b) = (x.indptr[i], x.indptr[i + 1]);
        let row: Vec<(u32, f32)> = x.indices[a..b]
            .iter()
            .copied()
            .zip(x.values[a..b].iter().copied())
            .collect();
        if argmax(&head.predict_proba(&row)) == yi {
            correct += 1;
        }
    }
    let summary = HeadSummary {
        class_counts,
        iterations: stats.iterations,
        loss: stats.loss,
        train_accuracy: correct as f64 / y.len().max(1) as f64,
    };
    (head, summary)
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
    /// Trains on the three EPITOME CSVs in `data_dir` with the default recipe.
    pub fn train(data_dir: &Path) -> Result<Model, ModelError> {
        Model::train_with(data_dir, &TrainConfig::default(), &quiet)
    }

    /// Trains with an explicit recipe, reporting progress.
    pub fn train_with(
        data_dir: &Path,
        config: &TrainConfig,
        progress: Progress<'_>,
    ) -> Result<Model, ModelError> {
        config.validate()?;
        let corpus = Corpus::load(data_dir)?;
        progress(&format!("read {} examples", corpus.rows.len()));
        let docs = extract_all(&config.blocks, &corpus);
        let all: Vec<&DocGrams> = docs.iter().collect();
        let vectorizer = Vectorizer::fit(&config.blocks, &all);
        progress(&format!("{} features", vectorizer.dim()));
        let fitted = parallel(3, |m| {
            let rows: Vec<usize> = (0..corpus.rows.len())
                .filter(|&i| corpus.rows[i].labels[m].is_some())
                .collect();
            let x = design(
                &vectorizer,
                &rows.iter().map(|&i| &docs[i]).collect::<Vec<_>>(),
            );
            let y: Vec<u8> = rows
                .iter()
                .filter_map(|&i| corpus.rows[i].labels[m])
                .collect();
            let r = fit_head(&x, &y, &config.solver_for(m));
            progress(&format!(
                "trained {} ({} iterations)",
                Mechanism::ALL[m].name(),
                r.1.iterations
            ));
            r
        });
        let (heads, summaries) = fitted.into_iter().unzip();
        Ok(Model {
            config: config.clone(),
            vectorizer,
            heads,
            summaries,
        })
    }

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

fn report(c: [[[u32; 3]; 3]; 3]) -> Report {
    Report {
        emotional_reactions: MechanismReport::from_confusion(c[0]),
        interpretations: MechanismReport::from_confusion(c[1]),
        explorations: MechanismReport::from_confusion(c[2]),
    }
}

/// Fold (0..folds) of a seeker post: a fixed hash of its id, so every reply to the
/// same post lands in the same fold and runs are reproducible.
pub fn fold_of(sp_id: &str, folds: usize) -> usize {
    (text::hash_str(sp_id) % folds as u64) as usize
}

/// K-fold cross-validation grouped by seeker post with the default recipe.
pub fn cross_validate(data_dir: &Path, folds: usize) -> Result<Report, ModelError> {
    cross_validate_with(data_dir, folds, &TrainConfig::default(), &quiet)
}

/// K-fold cross-validation grouped by seeker post: for each fold, the vectorizer and
/// the three heads are fitted on the other folds, exactly as `train` would.
pub fn cross_validate_with(
    data_dir: &Path,
    folds: usize,
    config: &TrainConfig,
    progress: Progress<'_>,
) -> Result<Report, ModelError> {
    config.validate()?;
    if folds < 2 {
        return Err(ModelError::Config("at least 2 folds are needed".into()));
    }
    let corpus = Corpus::load(data_dir)?;
    progress(&format!("read {} examples", corpus.rows.len()));
    let docs = extract_all(&config.blocks, &corpus);
    let fold: Vec<usize> = corpus
        .rows
        .iter()
        .map(|r| fold_of(&r.sp_id, folds))
        .collect();
    // Per fold: the vectorizer fitted on the other folds, and the design matrices.
    let prepared = parallel(folds, |f| {
        let train: Vec<usize> = (0..docs.len()).filter(|&i| fold[i] != f).collect();
        let test: Vec<usize> = (0..docs.len()).filter(|&i| fold[i] == f).collect();
        let v = Vectorizer::fit(
            &config.blocks,
            &train.iter().map(|&i| &docs[i]).collect::<Vec<_>>(),
        );
        let xt = design(&v, &train.iter().map(|&i| &docs[i]).collect::<Vec<_>>());
        let xs = design(&v, &test.iter().map(|&i| &docs[i]).collect::<Vec<_>>());
        (train, test, xt, xs)
    });
    let done = AtomicUsize::new(0);
    let jobs = folds * 3;
    let results = parallel(jobs, |j| {
        let (f, m) = (j / 3, j % 3);
        let (train, test, xt, xs) = &prepared[f];
        // Keep only the rows labelled for this mechanism.
        let keep: Vec<usize> = (0..train.len())
            .filter(|&k| corpus.rows[train[k]].labels[m].is_some())
            .collect();
        let x = if keep.len() == train.len() {
            xt.clone()
        } else {
            let mut x = Csr::new(xt.ncols);
            for &k in &keep {
                let (a, b) = (xt.indptr[k], xt.indptr[k + 1]);
                let row: Vec<(u32, f32)> = xt.indices[a..b]
                    .iter()
                    .copied()
                    .zip(xt.values[a..b].iter().copied())
                    .collect();
                x.push_row(&row);
            }
            x
        };
        let y: Vec<u8> = keep
            .iter()
            .filter_map(|&k| corpus.rows[train[k]].labels[m])
            .collect();
        let sw = lr::balanced_weights(&y);
        let (head, stats) = lr::fit(&x, &y, &sw, &config.solver_for(m));
        let mut c = [[0u32; 3]; 3];
        let mut row = Vec::new();
        for (k, &i) in test.iter().enumerate() {
            if let Some(t) = corpus.rows[i].labels[m] {
                let (a, b) = (xs.indptr[k], xs.indptr[k + 1]);
                row.clear();
                row.extend(
                    xs.indices[a..b]
                        .iter()
                        .copied()
                        .zip(xs.values[a..b].iter().copied()),
                );
                c[t as usize][argmax(&head.predict_proba(&row)) as usize] += 1;
            }
        }
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        progress(&format!(
            "fold {}/{folds} {}: {} features, {} iterations, {} evaluations ({n}/{jobs})",
            f + 1,
            Mechanism::ALL[m].name(),
            x.ncols,
            stats.iterations,
            stats.evaluations
        ));
        (m, c)
    });
    let mut confusion = [[[0u32; 3]; 3]; 3];
    for (m, c) in results {
        for t in 0..3 {
            for p in 0..3 {
                confusion[m][t][p] += c[t][p];
            }
        }
    }
    Ok(report(confusion))
}

/// The EPITOME directory: `RAPPORT_EPITOME_DIR`, else `shared/data/epitome` beside the
/// repository checkout (resolved from this crate's manifest directory at build time).
pub fn default_data_dir() -> PathBuf {
    match std::env::var_os("RAPPORT_EPITOME_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/epitome"),
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

    #[test]
    fn folds_are_stable() {
        assert_eq!(fold_of("abc", 5), fold_of("abc", 5));
        assert!(fold_of("abc", 5) < 5);
    }
}
