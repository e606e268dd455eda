//! Stigmatising terms: each with a respectful alternative, the reason to prefer it,
//! and a guard that rules out innocent uses ("tree nuts", "alcoholic drinks").

use super::tokens::{next_is, prev_is, Tok};

type Guard = fn(&[Tok], usize, usize) -> bool;

pub(super) struct Stigma {
    /// The term as shown in the table.
    pub(super) term: &'static str,
    pub(super) patterns: &'static [&'static str],
    pub(super) alternative: &'static str,
    pub(super) why: &'static str,
    pub(super) guard: Guard,
}

const WHY_SUICIDE: &str = "\"commit\" ties suicide to crime, and \"successful\" or \"failed\" frames it as an achievement";
const WHY_PERSON_FIRST: &str = "person-first language puts the person before the condition";
const WHY_SLUR: &str = "mental-health words used as insults add to stigma; consider describing the experience or behaviour instead";
const WHY_TEST: &str =
    "\"clean\" and \"dirty\" suggest moral judgement; clinical wording is neutral";
const WHY_BEHAVIOUR: &str =
    "labels like this judge the person; describing what happened is more useful and less blaming";

fn always(_: &[Tok], _: usize, _: usize) -> bool {
    true
}
#[rustfmt::skip]
const ADJ_INTENSIFIERS: &[&str] = &[
    "so", "very", "totally", "bit", "little", "super", "such", "really", "kinda", "completely",
    "too", "extremely", "slightly", "proper", "bloody", "literally", "quite", "pretty",
    "utterly", "absolutely", "mega", "well",
];
fn intensified(toks: &[Tok], s: usize, _e: usize) -> bool {
    prev_is(toks, s, ADJ_INTENSIFIERS)
}
fn alcoholic_guard(toks: &[Tok], _s: usize, e: usize) -> bool {
    !next_is(
        toks,
        e,
        &[
            "drink",
            "drinks",
            "beverage",
            "beverages",
            "content",
            "drinking",
            "beer",
            "spirits",
        ],
    )
}
fn nuts_guard(toks: &[Tok], s: usize, e: usize) -> bool {
    !next_is(toks, e, &["and", "or"])
        && !prev_is(
            toks,
            s,
            &[
                "tree", "pine", "eat", "eating", "ate", "allergic", "allergy", "of", "and",
                "salted", "roasted", "mixed", "some", "no", "to", "with", "the", "pea",
            ],
        )
}
fn mentally_ill_guard(toks: &[Tok], s: usize, _e: usize) -> bool {
    !prev_is(toks, s, &["the"])
}
fn borderline_guard(toks: &[Tok], s: usize, e: usize) -> bool {
    if toks[s].norm == "borderlines" {
        return true;
    }
    // "a total borderline." but not "a borderline personality" or "borderline anaemic".
    let next_ok = toks.get(e).is_none_or(|t| {
        t.boundary
            || matches!(
                t.norm.as_str(),
                "and" | "but" | "or" | "who" | "which" | "so" | "because" | "when" | "if" | "too"
            )
    });
    next_ok
        && prev_is(
            toks,
            s,
            &[
                "a", "such", "total", "the", "so", "being", "real", "complete", "typical",
                "classic", "proper", "bloody", "very", "is", "was", "totally", "another",
            ],
        )
}
fn schizophrenic_guard(toks: &[Tok], _s: usize, e: usize) -> bool {
    !next_is(toks, e, &["disorder", "symptoms", "spectrum"])
}

pub(super) static STIGMA: &[Stigma] = &[
    Stigma {
        term: "committed suicide",
        patterns: &["committed suicide"],
        alternative: "died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "commit suicide",
        patterns: &["commit|commits|committing suicide"],
        alternative: "die by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "successful suicide",
        patterns: &["successful|completed suicide"],
        alternative: "died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "failed suicide attempt",
        patterns: &["failed|unsuccessful suicide attempt|attempts?"],
        alternative: "survived a suicide attempt",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "suicide victim",
        patterns: &["suicide victim|victims", "victim|victims of suicide"],
        alternative: "person who died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "addict",
        patterns: &["addict|addicts"],
        alternative: "person with a substance use disorder",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "junkie",
        patterns: &["junkie|junkies|druggie|druggies|crackhead|crackheads|stoner|stoners"],
        alternative: "person with a substance use disorder",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "alcoholic",
        patterns: &["alcoholic|alcoholics|drunks"],
        alternative: "person with an alcohol use disorder",
        why: WHY_PERSON_FIRST,
        guard: alcoholic_guard,
    },
    Stigma {
        term: "substance abuser",
        patterns: &["drug|substance|alcohol|drugs abuser|abusers"],
        alternative: "person who uses substances",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "substance abuse",
        patterns: &["drug|substance|drugs abuse"],
        alternative: "substance use",
        why:
            "\"abuse\" implies wilful wrongdoing; \"use\" or \"substance use disorder\" is neutral",
        guard: always,
    },
    Stigma {
        term: "clean (drug test)",
        patterns: &[
            "tested|testing|tests|test clean",
            "clean urine|drug|drugs|tox|test|tests|screen|screens|sample|samples",
        ],
        alternative: "tested negative",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "clean (not using)",
        patterns: &[
            "been|stayed|stay|staying|stays|got|get|getting|kept|remain|remained|remaining clean",
            "clean and sober",
            "clean time",
        ],
        alternative: "in recovery / not using",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "dirty (drug test)",
        patterns: &[
            "dirty urine|drug|drugs|tox|test|tests|screen|screens|sample|samples",
            "tested|testing|tests|test|came|come|coming dirty",
            "came|come back dirty",
        ],
        alternative: "tested positive",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "schizo",
        patterns: &["schizo|schizos"],
        alternative: "person with schizophrenia",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "a schizophrenic",
        patterns: &["a|the schizophrenic", "schizophrenics"],
        alternative: "person with schizophrenia",
        why: WHY_PERSON_FIRST,
        guard: schizophrenic_guard,
    },
    Stigma {
        term: "crazy",
        patterns: &["crazy|crazier|craziest"],
        alternative: "describe the experience (\"overwhelmed\", \"confused\", \"unusual\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "insane",
        patterns: &["insane"],
        alternative: "describe the experience (\"overwhelming\", \"hard to understand\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "psycho",
        patterns: &["psycho|psychos"],
        alternative: "describe the behaviour (\"frightening\", \"unpredictable\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "nuts",
        patterns: &["nuts"],
        alternative: "describe the experience (\"overwhelming\", \"exasperating\")",
        why: WHY_SLUR,
        guard: nuts_guard,
    },
    Stigma {
        term: "lunatic",
        patterns: &[
            "lunatic|lunatics|loony|loonies|nutcase|nutcases|nutter|nutters|maniac|maniacs",
        ],
        alternative: "describe the behaviour (\"reckless\", \"frightening\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "the mentally ill",
        patterns: &["the mentally ill"],
        alternative: "people with mental health conditions",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "mentally ill person",
        patterns: &["mentally ill"],
        alternative: "person with a mental health condition",
        why: WHY_PERSON_FIRST,
        guard: mentally_ill_guard,
    },
    Stigma {
        term: "suffers from",
        patterns: &["suffer|suffers|suffering|suffered from"],
        alternative: "lives with / has",
        why: "\"suffers from\" casts the person as a victim of their condition",
        guard: always,
    },
    Stigma {
        term: "OCD (as an adjective)",
        patterns: &["ocd"],
        alternative: "describe the behaviour (\"very particular about…\")",
        why: "using a diagnosis as a personality trait trivialises it",
        guard: intensified,
    },
    Stigma {
        term: "bipolar (as a mood adjective)",
        patterns: &["bipolar"],
        alternative: "describe the mood changes (\"up and down\", \"changeable\")",
        why: "using a diagnosis as a personality trait trivialises it",
        guard: intensified,
    },
    Stigma {
        term: "attention-seeking",
        patterns: &["attention seeking|seeker|seekers"],
        alternative: "reaching out for support",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "manipulative",
        patterns: &["manipulative"],
        alternative: "describe the behaviour and the need behind it",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "non-compliant",
        patterns: &["non compliant|compliance", "noncompliant|noncompliance"],
        alternative: "not taking the medication as prescribed",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "borderline (as an insult)",
        patterns: &["borderline|borderlines"],
        alternative: "person with borderline personality disorder",
        why: WHY_SLUR,
        guard: borderline_guard,
    },
    Stigma {
        term: "retarded",
        patterns: &["retarded|retard|retards"],
        alternative: "person with an intellectual disability",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "special needs",
        patterns: &["special needs"],
        alternative: "disability / disabled",
        why: "disabled people's needs are not \"special\"; naming the disability is clearer",
        guard: always,
    },
];
