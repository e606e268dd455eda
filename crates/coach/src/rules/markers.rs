//! The active-listening markers: open questions, reflections, validation and
//! summaries, and the client's feeling words that reflections may reuse.

use super::lexicon::{NOT_FEELING_AFTER_FEEL, SECOND_PERSON, SUGGEST_REFLECTION};
use super::patterns::Tables;
use super::risks::is_advice_statement;
use super::skip_openers;
use super::tokens::{next_is, prev_is, tokenize, Tok};
use std::collections::HashSet;

pub(super) fn is_open_question(t: &Tables, toks: &[Tok], head: usize) -> bool {
    let open_at = |i: usize| {
        !toks[i].quoted && t.open_q_head.at(toks, i).is_some() && t.open_q_not.at(toks, i).is_none()
    };
    if head < toks.len() && open_at(head) {
        return true;
    }
    // "When you said …, what did that feel like?"; "I'm curious, how …?"
    (head + 1..toks.len()).any(|i| toks[i].boundary && open_at(skip_openers(t, toks, i)))
}

pub(super) fn is_summary(t: &Tables, toks: &[Tok]) -> bool {
    if t.summary_any.find(toks).is_some() {
        return true;
    }
    let Some((s, e)) = t.summary_list.find(toks) else {
        return false;
    };
    let and_after = toks[e..].iter().any(|w| w.norm == "and");
    if !and_after {
        return false;
    }
    // "What I'm hearing is … and …" is enough; other stems need a list.
    let hearing = toks[s].norm == "what";
    hearing || toks[s + 1..].iter().any(|w| w.boundary)
}

pub(super) fn reflection(
    t: &Tables,
    toks: &[Tok],
    head: usize,
    client_words: &HashSet<String>,
) -> Option<String> {
    let mut h = head;
    if let Some((e, _)) = t.reflect_leads.at(toks, h) {
        h = e;
    }
    if let Some((e, _)) = t.reflect_head.at(toks, h) {
        if t.feel_free.at(toks, h).is_some() {
            return None;
        }
        // "I hear you." on its own acknowledges; it does not reflect anything.
        if e >= toks.len() && toks[h].norm == "i" {
            return None;
        }
        // "It sounds like a good plan" is not a reflection; "It sounds like a real shock" is.
        let stem_like = toks[e - 1].norm == "like" && toks[h].norm != "you";
        let article = next_is(toks, e, &["a", "an"]);
        if stem_like && article {
            let personal = toks[e..].iter().any(|w| {
                SECOND_PERSON.contains(&w.norm.as_str()) || t.feelings.contains(w.norm.as_str())
            });
            if !personal {
                return None;
            }
        }
        return Some(SUGGEST_REFLECTION.to_string());
    }
    // "You're exhausted", "You were so scared".
    if you_are_feeling(t, toks, h).is_some() {
        return Some(SUGGEST_REFLECTION.to_string());
    }
    // Reusing the client's own feeling word, addressed to them.
    if !client_words.is_empty()
        && toks
            .iter()
            .any(|w| SECOND_PERSON.contains(&w.norm.as_str()))
    {
        let advice = is_advice_statement(t, toks, head);
        if let Some(w) = toks
            .iter()
            .find(|w| !w.quoted && client_words.contains(w.norm.as_str()))
        {
            if !advice {
                return Some(format!(
                    "Good reflection: using their own word \"{}\" shows you heard them.",
                    w.norm
                ));
            }
        }
    }
    None
}

/// "you are|were|have been" + intensifiers + a feeling word, at token `h`.
fn you_are_feeling(t: &Tables, toks: &[Tok], h: usize) -> Option<usize> {
    let w = |i: usize| toks.get(i).map(|t| t.norm.as_str());
    if w(h)? != "you" {
        return None;
    }
    let mut i = h + 1;
    match w(i)? {
        "are" | "were" => i += 1,
        "have" if w(i + 1)? == "been" => i += 2,
        _ => return None,
    }
    while let Some(x) = w(i) {
        if t.feelings.contains(x) && !toks[i].quoted {
            return Some(i);
        }
        if t.intensifiers.contains(x) || matches!(x, "feeling" | "getting" | "on") {
            i += 1;
        } else {
            return None;
        }
    }
    None
}

pub(super) fn is_validation(t: &Tables, toks: &[Tok]) -> bool {
    let found = t.validation.find_where(toks, |s, _| {
        // "doesn't make sense" is not validation.
        !(toks[s].norm.starts_with("mak") && prev_is(toks, s, &["not", "never"]))
    });
    if found.is_some() {
        return true;
    }
    // "That sounds really painful", "It must have been frightening".
    t.validation_hard_stem
        .find_where(toks, |_, e| {
            let mut i = e;
            while let Some(w) = toks.get(i) {
                if t.hard.contains(w.norm.as_str()) {
                    return true;
                }
                if t.intensifiers.contains(w.norm.as_str()) {
                    i += 1;
                } else {
                    return false;
                }
            }
            false
        })
        .is_some()
}

/// Feeling words in the client's message: known feeling words, and the word after
/// "I feel / I'm feeling / I felt".
pub(super) fn client_feeling_words(t: &Tables, client_message: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    if client_message.trim().is_empty() {
        return out;
    }
    let toks = tokenize(client_message, 0, client_message.len(), &[]);
    for (i, w) in toks.iter().enumerate() {
        if t.feelings.contains(w.norm.as_str()) {
            out.insert(w.norm.clone());
        }
        if matches!(w.norm.as_str(), "feel" | "feeling" | "felt") {
            let mut j = i + 1;
            while toks
                .get(j)
                .is_some_and(|x| t.intensifiers.contains(x.norm.as_str()) && x.norm != "like")
            {
                j += 1;
            }
            if let Some(x) = toks.get(j) {
                if !NOT_FEELING_AFTER_FEEL.contains(&x.norm.as_str())
                    && x.norm.chars().all(char::is_alphabetic)
                    && x.norm.len() > 2
                {
                    out.insert(x.norm.clone());
                }
            }
        }
    }
    out
}
