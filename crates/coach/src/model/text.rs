//! TF-IDF features, hand-written: no Rust crate offers scikit-learn's exact recipe
//! (word 1–2-grams with its token pattern, character n-grams over whitespace-normalised
//! text, smoothed idf, sublinear tf, per-block L2 normalisation), and a hashed,
//! sorted vocabulary keeps both the model file and look-ups small and allocation-free.
//!
//! Every n-gram is reduced to a 64-bit hash (FNV-1a plus a final mix) in a namespace per
//! analyzer, so no strings are stored or compared; at ~10⁶ distinct n-grams a 64-bit
//! collision is vanishingly unlikely.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

#[inline]
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// SplitMix64's finaliser: spreads FNV's output evenly over all 64 bits, which the
/// prefix index of [`Vocab`] relies on.
#[inline]
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of an arbitrary string (used for fold assignment).
pub(crate) fn hash_str(s: &str) -> u64 {
    mix(fnv(FNV_OFFSET, s.as_bytes()))
}

/// How a block turns text into n-grams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Analyzer {
    /// scikit-learn's default word analyzer: tokens are runs of ≥ 2 word characters
    /// (`\b\w\w+\b`), n-grams join tokens with a space.
    Word { min_n: u8, max_n: u8 },
    /// scikit-learn's `char` analyzer: n-grams over the whole text after collapsing
    /// runs of two or more whitespace characters to one space.
    Char { min_n: u8, max_n: u8 },
}

/// Which text of a (seeker post, reply) pair a block reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Source {
    Reply,
    Seeker,
}

/// One TF-IDF block of the feature vector (blocks are L2-normalised separately and then
/// concatenated, like scikit-learn's `hstack` of several vectorizers).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlockSpec {
    pub source: Source,
    pub analyzer: Analyzer,
    /// Keep n-grams found in at least this many training documents.
    pub min_df: u32,
    /// Scale of the block after normalisation (1 = plain `hstack`).
    pub weight: f32,
}

impl BlockSpec {
    /// Hash namespace of the block: word and character n-grams, and reply and seeker
    /// blocks, never share hashes.
    fn seed(&self) -> u64 {
        let tag = match self.analyzer {
            Analyzer::Word { .. } => 1u8,
            Analyzer::Char { .. } => 2u8,
        };
        let src = match self.source {
            Source::Reply => 1u8,
            Source::Seeker => 2u8,
        };
        fnv(FNV_OFFSET, &[tag, src, 0xff])
    }

    /// Appends the hash of every n-gram of `lower` (already lower-cased) to `out`,
    /// with repetitions.
    pub(crate) fn ngrams(&self, lower: &str, out: &mut Vec<u64>, scratch: &mut Vec<usize>) {
        let seed = self.seed();
        match self.analyzer {
            Analyzer::Word { min_n, max_n } => word_ngrams(lower, seed, min_n, max_n, out, scratch),
            Analyzer::Char { min_n, max_n } => char_ngrams(lower, seed, min_n, max_n, out, scratch),
        }
    }
}

#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn word_ngrams(
    text: &str,
    seed: u64,
    min_n: u8,
    max_n: u8,
    out: &mut Vec<u64>,
    bounds: &mut Vec<usize>,
) {
    // Token boundaries as (start, end) pairs flattened into `bounds`.
    bounds.clear();
    let mut start: Option<(usize, usize)> = None; // (byte start, chars so far)
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            match &mut start {
                Some((_, n)) => *n += 1,
                None => start = Some((i, 1)),
            }
        } else if let Some((s, n)) = start.take() {
            if n >= 2 {
                bounds.push(s);
                bounds.push(i);
            }
        }
    }
    if let Some((s, n)) = start {
        if n >= 2 {
            bounds.push(s);
            bounds.push(text.len());
        }
    }
    let ntok = bounds.len() / 2;
    let tok = |k: usize| &text.as_bytes()[bounds[2 * k]..bounds[2 * k + 1]];
    for i in 0..ntok {
        let mut h = seed;
        for n in 1..=usize::from(max_n) {
            if i + n > ntok {
                break;
            }
            if n > 1 {
                h = fnv(h, b" ");
            }
            h = fnv(h, tok(i + n - 1));
            if n >= usize::from(min_n) {
                out.push(mix(h));
            }
        }
    }
}

fn char_ngrams(
    text: &str,
    seed: u64,
    min_n: u8,
    max_n: u8,
    out: &mut Vec<u64>,
    starts: &mut Vec<usize>,
) {
    // Normalised text as a list of char byte ranges: runs of ≥ 2 whitespace characters
    // become one space (scikit-learn's `\s\s+` → " "); a lone whitespace char stays.
    starts.clear();
    let bytes = text.as_bytes();
    let mut it = text.char_indices().peekable();
    // Encode each char as (start, end) in `starts`; collapsed runs point at a static " ".
    const SPACE: usize = usize::MAX;
    while let Some((i, c)) = it.next() {
        if c.is_whitespace() {
            let mut run = 1;
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                if d.is_whitespace() {
                    run += 1;
                    end = j + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            if run >= 2 {
                starts.push(SPACE);
                starts.push(SPACE);
            } else {
                starts.push(i);
                starts.push(end);
            }
        } else {
            starts.push(i);
            starts.push(i + c.len_utf8());
        }
    }
    let nch = starts.len() / 2;
    let ch = |k: usize| -> &[u8] {
        if starts[2 * k] == SPACE {
            b" "
        } else {
            &bytes[starts[2 * k]..starts[2 * k + 1]]
        }
    };
    for i in 0..nch {
        let mut h = seed;
        for n in 1..=usize::from(max_n) {
            if i + n > nch {
                break;
            }
            h = fnv(h, ch(i + n - 1));
            if n >= usize::from(min_n) {
                out.push(mix(h));
            }
        }
    }
}

/// Sorts `hashes` and turns it into (hash, count) pairs in `out`.
pub(crate) fn count(hashes: &mut [u64], out: &mut Vec<(u64, u32)>) {
    out.clear();
    hashes.sort_unstable();
    for &h in hashes.iter() {
        match out.last_mut() {
            Some((last, n)) if *last == h => *n += 1,
            _ => out.push((h, 1)),
        }
    }
}

/// The n-gram counts of one document for each block.
#[derive(Debug, Clone, Default)]
pub(crate) struct DocGrams {
    pub blocks: Vec<Vec<(u64, u32)>>,
}

/// Reusable buffers for [`extract`].
#[derive(Default)]
pub(crate) struct Scratch {
    lower: String,
    hashes: Vec<u64>,
    bounds: Vec<usize>,
}

/// Lower-cases `text` into the scratch buffer (like `str.lower()`).
fn lower_into(text: &str, out: &mut String) {
    out.clear();
    if text.is_ascii() {
        out.push_str(text);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
    }
}

/// N-gram counts of one (seeker, reply) pair for every block of `specs`.
pub(crate) fn extract(
    specs: &[BlockSpec],
    seeker: &str,
    reply: &str,
    s: &mut Scratch,
    out: &mut DocGrams,
) {
    out.blocks.resize_with(specs.len(), Vec::new);
    let mut lowered: Option<Source> = None;
    for (b, spec) in specs.iter().enumerate() {
        if lowered != Some(spec.source) {
            lower_into(
                match spec.source {
                    Source::Reply => reply,
                    Source::Seeker => seeker,
                },
                &mut s.lower,
            );
            lowered = Some(spec.source);
        }
        s.hashes.clear();
        spec.ngrams(&s.lower, &mut s.hashes, &mut s.bounds);
        count(&mut s.hashes, &mut out.blocks[b]);
    }
}

/// Like [`extract`], but re-extracts only the blocks reading `source` from `text`,
/// leaving the other blocks of `out` as they are.
pub(crate) fn extract_source(
    specs: &[BlockSpec],
    source: Source,
    text: &str,
    s: &mut Scratch,
    out: &mut DocGrams,
) {
    out.blocks.resize_with(specs.len(), Vec::new);
    lower_into(text, &mut s.lower);
    for (b, spec) in specs.iter().enumerate() {
        if spec.source == source {
            s.hashes.clear();
            spec.ngrams(&s.lower, &mut s.hashes, &mut s.bounds);
            count(&mut s.hashes, &mut out.blocks[b]);
        }
    }
}

/// A block's vocabulary: sorted n-gram hashes and their idf. Look-ups go through a
/// table of 2¹⁶ prefix buckets, then a short binary search.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Vocab {
    pub hashes: Vec<u64>,
    pub idf: Vec<f32>,
    #[serde(skip)]
    prefix: Vec<u32>,
}

const PREFIX_BITS: u32 = 16;

impl Vocab {
    /// Fits the vocabulary on documents' counts for one block: smoothed idf
    /// `ln((1 + n) / (1 + df)) + 1`, keeping n-grams with `df >= min_df`.
    pub(crate) fn fit<'a>(docs: impl Iterator<Item = &'a [(u64, u32)]>, min_df: u32) -> Vocab {
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut n = 0u32;
        for d in docs {
            n += 1;
            for &(h, _) in d {
                *df.entry(h).or_insert(0) += 1;
            }
        }
        let mut entries: Vec<(u64, u32)> = df.into_iter().filter(|&(_, c)| c >= min_df).collect();
        entries.sort_unstable_by_key(|e| e.0);
        let nf = f64::from(n);
        let hashes = entries.iter().map(|e| e.0).collect();
        let idf = entries
            .iter()
            .map(|&(_, c)| (((1.0 + nf) / (1.0 + f64::from(c))).ln() + 1.0) as f32)
            .collect();
        let mut v = Vocab {
            hashes,
            idf,
            prefix: Vec::new(),
        };
        v.build_index();
        v
    }

    pub(crate) fn len(&self) -> usize {
        self.hashes.len()
    }

    /// (Re)builds the prefix table; called after fitting and after loading.
    pub(crate) fn build_index(&mut self) {
        let buckets = 1usize << PREFIX_BITS;
        let mut prefix = vec![0u32; buckets + 1];
        for &h in &self.hashes {
            prefix[(h >> (64 - PREFIX_BITS)) as usize + 1] += 1;
        }
        for i in 0..buckets {
            prefix[i + 1] += prefix[i];
        }
        self.prefix = prefix;
    }

    /// Index of `h` in the vocabulary.
    #[inline]
    pub(crate) fn get(&self, h: u64) -> Option<usize> {
        let b = (h >> (64 - PREFIX_BITS)) as usize;
        let (lo, hi) = (self.prefix[b] as usize, self.prefix[b + 1] as usize);
        self.hashes[lo..hi].binary_search(&h).ok().map(|i| lo + i)
    }

    pub(crate) fn is_sorted_unique(&self) -> bool {
        self.hashes.windows(2).all(|w| w[0] < w[1])
    }
}

/// A fitted TF-IDF vectorizer: one vocabulary per block; a document's vector is the
/// concatenation of the blocks' L2-normalised, weighted vectors.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Vectorizer {
    pub specs: Vec<BlockSpec>,
    pub vocabs: Vec<Vocab>,
}

impl Vectorizer {
    pub(crate) fn fit(specs: &[BlockSpec], docs: &[&DocGrams]) -> Vectorizer {
        let vocabs = specs
            .iter()
            .enumerate()
            .map(|(b, spec)| Vocab::fit(docs.iter().map(|d| d.blocks[b].as_slice()), spec.min_df))
            .collect();
        Vectorizer {
            specs: specs.to_vec(),
            vocabs,
        }
    }

    /// Total number of features.
    pub(crate) fn dim(&self) -> usize {
        self.vocabs.iter().map(Vocab::len).sum()
    }

    /// Appends the sparse TF-IDF vector of `doc` to `out` as (feature, value) pairs.
    /// Features are not sorted within a block (hash order); callers don't need it.
    pub(crate) fn transform(&self, doc: &DocGrams, out: &mut Vec<(u32, f32)>) {
        out.clear();
        let mut offset = 0usize;
        for (b, vocab) in self.vocabs.iter().enumerate() {
            let start = out.len();
            let mut norm = 0.0f64;
            for &(h, c) in &doc.blocks[b] {
                if let Some(j) = vocab.get(h) {
                    let v = (1.0 + f64::from(c).ln()) * f64::from(vocab.idf[j]);
                    norm += v * v;
                    out.push(((offset + j) as u32, v as f32));
                }
            }
            if norm > 0.0 {
                let scale = (f64::from(self.specs[b].weight) / norm.sqrt()) as f32;
                for e in &mut out[start..] {
                    e.1 *= scale;
                }
            }
            offset += vocab.len();
        }
    }

    pub(crate) fn rebuild_indexes(&mut self) {
        for v in &mut self.vocabs {
            v.build_index();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(spec: BlockSpec, text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        spec.ngrams(text, &mut out, &mut Vec::new());
        out
    }

    const WORD: BlockSpec = BlockSpec {
        source: Source::Reply,
        analyzer: Analyzer::Word { min_n: 1, max_n: 2 },
        min_df: 1,
        weight: 1.0,
    };
    const CHAR: BlockSpec = BlockSpec {
        source: Source::Reply,
        analyzer: Analyzer::Char { min_n: 2, max_n: 5 },
        min_df: 1,
        weight: 1.0,
    };

    #[test]
    fn word_ngrams_follow_sklearn_token_pattern() {
        // Tokens: "that", "sounds", "hard" ("a" and "!" are dropped): 3 unigrams + 2 bigrams.
        assert_eq!(grams(WORD, "that sounds a hard!").len(), 5);
        assert_eq!(grams(WORD, "").len(), 0);
        // Same bigram regardless of punctuation between tokens.
        let a = grams(WORD, "so sorry");
        let b = grams(WORD, "so, sorry");
        assert_eq!(a, b);
    }

    #[test]
    fn char_ngrams_count_and_collapse_whitespace() {
        // 4 chars: 3 bigrams + 2 trigrams + 1 four-gram.
        assert_eq!(grams(CHAR, "abcd").len(), 6);
        // Runs of whitespace collapse to one space.
        assert_eq!(grams(CHAR, "a  \n b"), grams(CHAR, "a b"));
        // Multi-byte characters are whole characters.
        assert_eq!(grams(CHAR, "çé").len(), 1);
    }

    #[test]
    fn vocab_lookup_and_idf() {
        let docs = [vec![(1u64 << 63, 1), (5, 2)], vec![(5, 1), (u64::MAX, 1)]];
        let v = Vocab::fit(docs.iter().map(Vec::as_slice), 1);
        assert_eq!(v.len(), 3);
        assert!(v.is_sorted_unique());
        let j = v.get(5).unwrap();
        assert!((v.idf[j] - 1.0).abs() < 1e-6); // in every document
        let k = v.get(u64::MAX).unwrap();
        assert!((v.idf[k] - (1.5f32.ln() + 1.0)).abs() < 1e-6);
        assert_eq!(v.get(6), None);
        let pruned = Vocab::fit(docs.iter().map(Vec::as_slice), 2);
        assert_eq!(pruned.len(), 1);
    }

    #[test]
    fn transform_is_l2_normalised_per_block() {
        let specs = [WORD, CHAR];
        let mut s = Scratch::default();
        let mut d1 = DocGrams::default();
        let mut d2 = DocGrams::default();
        extract(&specs, "", "I hear you. That sounds hard.", &mut s, &mut d1);
        extract(&specs, "", "What happened next?", &mut s, &mut d2);
        let v = Vectorizer::fit(&specs, &[&d1, &d2]);
        let mut x = Vec::new();
        v.transform(&d1, &mut x);
        let split = v.vocabs[0].len() as u32;
        let n0: f32 = x.iter().filter(|e| e.0 < split).map(|e| e.1 * e.1).sum();
        let n1: f32 = x.iter().filter(|e| e.0 >= split).map(|e| e.1 * e.1).sum();
        assert!((n0 - 1.0).abs() < 1e-5 && (n1 - 1.0).abs() < 1e-5);
        // Upper case is folded.
        let mut d3 = DocGrams::default();
        extract(&specs, "", "WHAT HAPPENED NEXT?", &mut s, &mut d3);
        assert_eq!(d2.blocks, d3.blocks);
    }
}
