//! Risks to trust found by the rules: premature advice and minimising. Stigmatising
//! wording has its own table in `stigma`.

use super::lexicon::{
    ADMIN_VERBS, SUGGEST_MIN_AT_LEAST, SUGGEST_MIN_COMPARE, SUGGEST_MIN_FEEL, SUGGEST_MIN_JUST,
};
use super::patterns::Tables;
use super::tokens::{next_is, prev_is, Tok};

pub(super) fn is_advice_statement(t: &Tables, toks: &[Tok], head: usize) -> bool {
    if t.advice_any.find(toks).is_some() {
        return true;
    }
    let should = t.advice_should.find_where(toks, |_, e| {
        // "You should know I'm here", "you should be proud", "you shouldn't have to".
        !(next_is(toks, e, &["know", "have"])
            || (next_is(toks, e, &["be", "feel"]) && next_is(toks, e + 1, &["proud"]))
            || (next_is(toks, e, &["not"]) && next_is(toks, e + 1, &["have", "need"])))
    });
    if should.is_some() {
        return true;
    }
    // "Don't reply tonight", but not "Don't worry" (minimising) or "Don't hesitate".
    if toks.get(head).is_some_and(|w| w.norm == "do")
        && next_is(toks, head + 1, &["not"])
        && toks.get(head + 2).is_some_and(|w| {
            !matches!(
                w.norm.as_str(),
                "worry"
                    | "hesitate"
                    | "have"
                    | "need"
                    | "feel"
                    | "be"
                    | "apologise"
                    | "apologize"
                    | "mind"
                    | "know"
                    | "think"
                    | "stress"
                    | "panic"
                    | "fret"
                    | "you"
            )
        })
    {
        return true;
    }
    // "You must be exhausted" is a reflection, not an order.
    let must = t.advice_must.find_where(toks, |_, e| {
        !next_is(toks, e, &["feel", "be", "have", "know", "not"])
    });
    if must.is_some() {
        return true;
    }
    // "…everything that you have to deal with" describes, it doesn't direct.
    // "Let me know if you need to reschedule" is conditional; "you have to sign" is admin.
    let have_to = t.advice_have_to.find_where(toks, |s, e| {
        !prev_is(
            toks,
            s,
            &[
                "that",
                "what",
                "all",
                "everything",
                "things",
                "thing",
                "much",
                "lot",
                "feel",
                "like",
                "if",
                "when",
                "whether",
                "unless",
                "whenever",
                "anything",
                "whatever",
            ],
        ) && !next_is(toks, e, ADMIN_VERBS)
    });
    if have_to.is_some() {
        return true;
    }
    imperative_advice(t, toks, head)
}

/// Imperatives that open a sentence: "Try to…", "Make sure…", "Just go for a walk".
pub(super) fn imperative_advice(t: &Tables, toks: &[Tok], head: usize) -> bool {
    let mut i = head;
    while toks
        .get(i)
        .is_some_and(|w| t.softeners.contains(w.norm.as_str()))
    {
        i += 1;
    }
    if let Some((e, _)) = t.advice_imperative.at(toks, i) {
        let excluded = t.advice_imperative_not.at(toks, i).is_some();
        let to_me = next_is(toks, e, &["me", "us"]);
        return !excluded && !to_me;
    }
    false
}

pub(super) fn minimising(t: &Tables, toks: &[Tok]) -> Option<(usize, usize, &'static str)> {
    // "At least you tried", "at least the kids are okay" — a clause, not a quantity
    // ("at least once a week", "at least the parts you want to share").
    let at_least = t.min_at_least.find_where(toks, |_, e| {
        let Some(next) = toks.get(e) else {
            return false;
        };
        if t.min_at_least_next.contains(next.norm.as_str()) {
            return true;
        }
        matches!(next.norm.as_str(), "the" | "a" | "an")
            && toks[e + 1..].iter().take(4).any(|w| {
                matches!(
                    w.norm.as_str(),
                    "is" | "are"
                        | "was"
                        | "were"
                        | "has"
                        | "have"
                        | "had"
                        | "did"
                        | "does"
                        | "can"
                        | "could"
                        | "will"
                        | "would"
                        | "got"
                )
            })
    });
    if let Some((s, e)) = at_least {
        return Some((s, e, SUGGEST_MIN_AT_LEAST));
    }
    if let Some((s, e)) = t.min_just.find_where(toks, |_, e| {
        toks.get(e)
            .is_some_and(|w| !t.min_just_next_not.contains(w.norm.as_str()))
    }) {
        return Some((s, e, SUGGEST_MIN_JUST));
    }
    if let Some((s, e)) = t.min_feel.find_where(toks, |s, e| {
        !(toks[s].norm == "do" && next_is(toks, e, &["if"]))
    }) {
        return Some((s, e, SUGGEST_MIN_FEEL));
    }
    if let Some((s, e)) = t.min_compare.find(toks) {
        return Some((s, e, SUGGEST_MIN_COMPARE));
    }
    // "There are people dealing with far worse."
    let worse = toks.iter().position(|w| w.norm == "worse" && !w.quoted)?;
    let from = worse.saturating_sub(5);
    let who = (from..worse).find(|&i| {
        matches!(
            toks[i].norm.as_str(),
            "people" | "others" | "someone" | "somebody" | "plenty" | "lots" | "many"
        )
    })?;
    Some((who, worse + 1, SUGGEST_MIN_COMPARE))
}
