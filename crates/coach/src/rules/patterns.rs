//! Compiling the phrase patterns of the lexicon and matching them against tokens; the
//! compiled tables are built once and shared by every call.

use super::lexicon::*;
use super::stigma::STIGMA;
use super::tokens::Tok;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the keys are short words, for which SipHash is needlessly slow.
#[derive(Default)]
pub(super) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

enum Atom {
    Words(Vec<&'static str>),
    Opt(Vec<&'static str>),
    Ing,
    Any,
}

type Pattern = Vec<Atom>;

fn compile(src: &'static str) -> Pattern {
    let atoms: Pattern = src
        .split_whitespace()
        .map(|w| match w {
            "*" => Atom::Any,
            "~ing" => Atom::Ing,
            _ => match w.strip_suffix('?') {
                Some(stem) => Atom::Opt(stem.split('|').collect()),
                None => Atom::Words(w.split('|').collect()),
            },
        })
        .collect();
    assert!(
        matches!(atoms.first(), Some(Atom::Words(_))),
        "pattern {src:?} must start with a word"
    );
    atoms
}

fn match_atoms(toks: &[Tok], i: usize, atoms: &[Atom]) -> Option<usize> {
    let Some((atom, rest)) = atoms.split_first() else {
        return Some(i);
    };
    let tok = toks.get(i).filter(|t| !t.quoted);
    match atom {
        Atom::Words(ws) => {
            let t = tok?;
            if ws.contains(&t.norm.as_str()) {
                match_atoms(toks, i + 1, rest)
            } else {
                None
            }
        }
        Atom::Opt(ws) => {
            if let Some(t) = tok {
                if ws.contains(&t.norm.as_str()) {
                    if let Some(e) = match_atoms(toks, i + 1, rest) {
                        return Some(e);
                    }
                }
            }
            match_atoms(toks, i, rest)
        }
        Atom::Ing => {
            let t = tok?;
            if t.norm.len() > 4 && t.norm.ends_with("ing") {
                match_atoms(toks, i + 1, rest)
            } else {
                None
            }
        }
        Atom::Any => {
            tok?;
            match_atoms(toks, i + 1, rest)
        }
    }
}

/// A set of patterns indexed by their first word.
pub(super) struct PatSet {
    pats: Vec<Pattern>,
    by_first: FastMap<&'static str, Vec<usize>>,
}

impl PatSet {
    pub(super) fn new(src: &[&'static str]) -> Self {
        let pats: Vec<Pattern> = src.iter().map(|s| compile(s)).collect();
        let mut by_first: FastMap<&'static str, Vec<usize>> = FastMap::default();
        for (i, p) in pats.iter().enumerate() {
            if let Some(Atom::Words(ws)) = p.first() {
                for w in ws {
                    by_first.entry(w).or_default().push(i);
                }
            }
        }
        PatSet { pats, by_first }
    }

    /// The first pattern matching at token `i`: (end, pattern index).
    pub(super) fn at(&self, toks: &[Tok], i: usize) -> Option<(usize, usize)> {
        let t = toks.get(i)?;
        let cands = self.by_first.get(t.norm.as_str())?;
        cands
            .iter()
            .find_map(|&p| match_atoms(toks, i, &self.pats[p]).map(|e| (e, p)))
    }

    /// The first match anywhere for which `guard(start, end)` holds.
    pub(super) fn find_where(
        &self,
        toks: &[Tok],
        guard: impl Fn(usize, usize) -> bool,
    ) -> Option<(usize, usize)> {
        (0..toks.len()).find_map(|i| {
            let cands = self.by_first.get(toks[i].norm.as_str())?;
            cands.iter().find_map(|&p| {
                match_atoms(toks, i, &self.pats[p])
                    .filter(|&e| guard(i, e))
                    .map(|e| (i, e))
            })
        })
    }

    /// Every pattern matching at token `i`: (end, pattern index).
    pub(super) fn all_at<'a>(
        &'a self,
        toks: &'a [Tok],
        i: usize,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        toks.get(i)
            .and_then(|t| self.by_first.get(t.norm.as_str()))
            .into_iter()
            .flatten()
            .filter_map(move |&p| match_atoms(toks, i, &self.pats[p]).map(|e| (e, p)))
    }

    pub(super) fn find(&self, toks: &[Tok]) -> Option<(usize, usize)> {
        self.find_where(toks, |_, _| true)
    }
}

pub(super) struct Tables {
    pub(super) openers: PatSet,
    pub(super) softeners: FastSet<&'static str>,
    pub(super) reflect_leads: PatSet,
    pub(super) open_q_head: PatSet,
    pub(super) open_q_not: PatSet,
    pub(super) open_imperative: PatSet,
    pub(super) reflect_tentative: PatSet,
    pub(super) reflect_head: PatSet,
    pub(super) feel_free: PatSet,
    pub(super) summary_any: PatSet,
    pub(super) summary_list: PatSet,
    pub(super) validation: PatSet,
    pub(super) validation_hard_stem: PatSet,
    pub(super) hard: FastSet<&'static str>,
    pub(super) intensifiers: FastSet<&'static str>,
    pub(super) advice_any: PatSet,
    pub(super) advice_should: PatSet,
    pub(super) advice_must: PatSet,
    pub(super) advice_have_to: PatSet,
    pub(super) advice_question: PatSet,
    pub(super) advice_why: PatSet,
    pub(super) advice_imperative: PatSet,
    pub(super) advice_imperative_not: PatSet,
    pub(super) min_at_least: PatSet,
    pub(super) min_at_least_next: FastSet<&'static str>,
    pub(super) min_just: PatSet,
    pub(super) min_just_next_not: FastSet<&'static str>,
    pub(super) min_feel: PatSet,
    pub(super) min_compare: PatSet,
    pub(super) feelings: FastSet<&'static str>,
    /// Every stigmatising pattern, and the table entry each belongs to.
    pub(super) stigma: PatSet,
    pub(super) stigma_entry: Vec<usize>,
}

pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        openers: PatSet::new(OPENERS),
        softeners: SOFTENERS.iter().copied().collect(),
        reflect_leads: PatSet::new(REFLECT_LEADS),
        open_q_head: PatSet::new(OPEN_Q_HEAD),
        open_q_not: PatSet::new(OPEN_Q_NOT),
        open_imperative: PatSet::new(OPEN_IMPERATIVE),
        reflect_tentative: PatSet::new(REFLECT_TENTATIVE),
        reflect_head: PatSet::new(REFLECT_HEAD),
        feel_free: PatSet::new(FEEL_FREE_NOT),
        summary_any: PatSet::new(SUMMARY_ANY),
        summary_list: PatSet::new(SUMMARY_LIST),
        validation: PatSet::new(VALIDATION),
        validation_hard_stem: PatSet::new(VALIDATION_HARD_STEM),
        hard: HARD.iter().copied().collect(),
        intensifiers: INTENSIFIERS.iter().copied().collect(),
        advice_any: PatSet::new(ADVICE_ANY),
        advice_should: PatSet::new(ADVICE_SHOULD),
        advice_must: PatSet::new(ADVICE_MUST),
        advice_have_to: PatSet::new(ADVICE_HAVE_TO),
        advice_question: PatSet::new(ADVICE_QUESTION),
        advice_why: PatSet::new(ADVICE_WHY),
        advice_imperative: PatSet::new(ADVICE_IMPERATIVE),
        advice_imperative_not: PatSet::new(ADVICE_IMPERATIVE_NOT),
        min_at_least: PatSet::new(&[MIN_AT_LEAST]),
        min_at_least_next: MIN_AT_LEAST_NEXT.iter().copied().collect(),
        min_just: PatSet::new(MIN_JUST),
        min_just_next_not: MIN_JUST_NEXT_NOT.iter().copied().collect(),
        min_feel: PatSet::new(MIN_FEEL),
        min_compare: PatSet::new(MIN_COMPARE),
        feelings: FEELINGS.iter().copied().collect(),
        stigma: PatSet::new(
            &STIGMA
                .iter()
                .flat_map(|s| s.patterns.iter().copied())
                .collect::<Vec<_>>(),
        ),
        stigma_entry: STIGMA
            .iter()
            .enumerate()
            .flat_map(|(n, s)| std::iter::repeat_n(n, s.patterns.len()))
            .collect(),
    })
}
