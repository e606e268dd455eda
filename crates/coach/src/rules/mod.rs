//! The rule-based half of the coach: active-listening markers (reflections, open and
//! closed questions, validation, summaries) and risks to trust (premature advice,
//! minimising, stigmatising wording), each with a span in the draft and a short,
//! concrete suggestion.
//!
//! How it works: the draft is split into sentences; each sentence is split into words
//! (lower-cased, curly apostrophes straightened, contractions expanded so that "it's"
//! matches "it is"), and small phrase patterns are matched on word boundaries. Words
//! inside quotation marks are the client's own words being quoted back and never match.
//! The rules lean towards precision: a coach that cries wolf is soon ignored.
//!
//! Spans are byte offsets into the draft, always on UTF-8 character boundaries. Markers
//! and premature advice cover the whole sentence; minimising and stigmatising findings
//! cover the words themselves.
//!
//! The rules are measured against a labelled set of therapist sentences in
//! `crates/coach/eval/` (see its README); `tests/rules.rs` reports precision and recall.

mod lexicon;
mod markers;
mod patterns;
mod risks;
mod stigma;
mod tokens;

use crate::feedback::{Finding, FindingKind, Span};
use lexicon::{
    SUGGEST_ADVICE, SUGGEST_CLOSED, SUGGEST_CLOSED_SAFETY, SUGGEST_OPEN, SUGGEST_SUMMARY,
    SUGGEST_VALIDATION,
};
use markers::{client_feeling_words, is_open_question, is_summary, is_validation, reflection};
use patterns::{tables, Tables};
use risks::{imperative_advice, is_advice_statement, minimising};
use std::collections::HashSet;
use stigma::STIGMA;
use tokens::{ends_with_question, quote_regions, sentence_bounds, tokenize, Tok};

/// Finds active-listening markers and risks to trust in `draft`, a therapist's reply to
/// `client_message` (which may be empty). Findings are ordered by position.
///
/// The client's message is used to recognise reflections that reuse the client's own
/// feeling words ("exhausted", "invisible") even without a stem like "It sounds like".
pub fn find(client_message: &str, draft: &str) -> Vec<Finding> {
    let t = tables();
    let client_words = client_feeling_words(t, client_message);
    let quotes = quote_regions(draft);
    let mut out = Vec::new();
    for (start, end) in sentence_bounds(draft) {
        let toks = tokenize(draft, start, end, &quotes);
        if toks.is_empty() {
            continue;
        }
        let sent = Sentence {
            span: Span { start, end },
            question: ends_with_question(&draft[start..end]),
            toks,
        };
        analyse(t, &sent, &client_words, &mut out);
    }
    out.sort_by_key(|f| (f.span.start, f.span.end, f.kind as u8));
    out
}

/// The sentences of `text` as byte spans (trimmed of surrounding white space), in order.
pub fn split_sentences(text: &str) -> Vec<Span> {
    sentence_bounds(text)
        .into_iter()
        .map(|(start, end)| Span { start, end })
        .collect()
}

/// The stigmatising-language table: (term, respectful alternative), for documentation
/// and the settings page.
pub fn stigmatising_terms() -> impl Iterator<Item = (&'static str, &'static str)> {
    STIGMA.iter().map(|s| (s.term, s.alternative))
}

struct Sentence {
    span: Span,
    question: bool,
    toks: Vec<Tok>,
}

// ---------------------------------------------------------------------------------------
// The rules.

/// The first token after discourse openers ("So, okay, …").
fn skip_openers(t: &Tables, toks: &[Tok], mut i: usize) -> usize {
    while let Some((e, _)) = t.openers.at(toks, i) {
        if e >= toks.len() {
            break;
        }
        i = e;
    }
    i
}

fn finding(kind: FindingKind, span: Span, suggestion: &str) -> Finding {
    Finding {
        kind,
        span,
        suggestion: suggestion.to_string(),
        alternative: None,
    }
}

fn tok_span(toks: &[Tok], s: usize, e: usize) -> Span {
    Span {
        start: toks[s].start,
        end: toks[e - 1].end,
    }
}

fn analyse(t: &Tables, sent: &Sentence, client_words: &HashSet<String>, out: &mut Vec<Finding>) {
    let toks = &sent.toks;
    let q = sent.question;
    let head = skip_openers(t, toks, 0);
    let whole = sent.span;

    // Summaries come first: a summary is not also counted as a reflection.
    let summary = !q && is_summary(t, toks);
    if summary {
        out.push(finding(FindingKind::Summary, whole, SUGGEST_SUMMARY));
    }

    // Questions.
    let why_advice =
        q && (t.advice_why.at(toks, head).is_some() || imperative_advice(t, toks, head));
    let tentative = q && t.reflect_tentative.at(toks, head).is_some();
    let open = if q {
        !why_advice && is_open_question(t, toks, head)
    } else {
        t.open_imperative.at(toks, head).is_some()
    };
    if open {
        out.push(finding(FindingKind::OpenQuestion, whole, SUGGEST_OPEN));
    } else if q && !why_advice && !tentative {
        let safety = toks.iter().any(|w| {
            matches!(
                w.norm.as_str(),
                "suicide"
                    | "suicidal"
                    | "safe"
                    | "kill"
                    | "harm"
                    | "hurting"
                    | "ending"
                    | "overdose"
            )
        });
        let s = if safety {
            SUGGEST_CLOSED_SAFETY
        } else {
            SUGGEST_CLOSED
        };
        out.push(finding(FindingKind::ClosedQuestion, whole, s));
    }

    // Reflections.
    if !summary && (!q || tentative) {
        if let Some(s) = reflection(t, toks, head, client_words) {
            out.push(finding(FindingKind::Reflection, whole, &s));
        }
    }

    // Validation.
    if !q && is_validation(t, toks) {
        out.push(finding(FindingKind::Validation, whole, SUGGEST_VALIDATION));
    }

    // Premature advice.
    let advice = if q {
        why_advice || t.advice_question.find(toks).is_some()
    } else {
        is_advice_statement(t, toks, head)
    };
    if advice {
        out.push(finding(FindingKind::PrematureAdvice, whole, SUGGEST_ADVICE));
    }

    // Minimising: one finding per sentence, on the words themselves.
    if let Some((s, e, sugg)) = minimising(t, toks) {
        out.push(finding(FindingKind::Minimising, tok_span(toks, s, e), sugg));
    }

    // Stigmatising wording: every occurrence, longest pattern first at each word.
    let mut i = 0;
    while i < toks.len() {
        let hit = t.stigma.all_at(toks, i).filter_map(|(e, p)| {
            let entry = &STIGMA[t.stigma_entry[p]];
            (entry.guard)(toks, i, e).then_some((e, entry))
        });
        match hit.max_by_key(|&(e, _)| e) {
            Some((e, entry)) => {
                out.push(Finding {
                    kind: FindingKind::Stigmatising,
                    span: tok_span(toks, i, e),
                    suggestion: format!(
                        "Consider \"{}\" instead: {}.",
                        entry.alternative, entry.why
                    ),
                    alternative: Some(entry.alternative.to_string()),
                });
                i = e;
            }
            None => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(draft: &str) -> Vec<FindingKind> {
        find("", draft).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn contractions_expand() {
        let q = quote_regions("");
        let text = "It's ok, you’re fine";
        let toks = tokenize(text, 0, text.len(), &q);
        let words: Vec<&str> = toks.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, ["it", "is", "okay", "you", "are", "fine"]);
    }

    #[test]
    fn sentences_split_on_terminators_not_abbreviations() {
        let text = "I'll be away. Dr. Patel will cover! Okay?\nSee you";
        let got: Vec<&str> = split_sentences(text)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(
            got,
            ["I'll be away.", "Dr. Patel will cover!", "Okay?", "See you"]
        );
    }

    #[test]
    fn quoted_words_do_not_count() {
        assert!(!kinds("You said you felt \"crazy\" then.").contains(&FindingKind::Stigmatising));
        assert!(!kinds("You said 'I should just get over it' to her.")
            .contains(&FindingKind::Minimising));
        assert!(kinds("You're not crazy.").contains(&FindingKind::Stigmatising));
    }

    #[test]
    fn table_has_enough_terms() {
        assert!(stigmatising_terms().count() >= 20);
    }
}
