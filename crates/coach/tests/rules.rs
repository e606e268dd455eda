//! The rules against the labelled evaluation set in `eval/rules.jsonl`, plus focused
//! checks of spans, suggestions, Unicode and speed.
//!
//! Run with `cargo test -p rapport-coach --test rules -- --nocapture` to see the
//! precision/recall table (it is also written to `$CARGO_TARGET_TMPDIR`).

use rapport_coach::rules;
use rapport_coach::{Finding, FindingKind};
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

const LABELS: [(FindingKind, &str); 8] = [
    (FindingKind::Reflection, "reflection"),
    (FindingKind::OpenQuestion, "open_question"),
    (FindingKind::ClosedQuestion, "closed_question"),
    (FindingKind::Validation, "validation"),
    (FindingKind::Summary, "summary"),
    (FindingKind::PrematureAdvice, "premature_advice"),
    (FindingKind::Minimising, "minimising"),
    (FindingKind::Stigmatising, "stigmatising"),
];

const MIN_PRECISION: f64 = 0.85;
const MIN_RECALL: f64 = 0.75;

struct Example {
    text: String,
    labels: HashSet<String>,
}

fn load(file: &str) -> Vec<Example> {
    let path = format!("{}/eval/{file}", env!("CARGO_MANIFEST_DIR"));
    let raw = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    raw.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, line)| {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("eval/{file} line {}: {e}", n + 1));
            let text = v["text"].as_str().expect("text").to_string();
            let labels = v["labels"]
                .as_array()
                .expect("labels")
                .iter()
                .map(|l| {
                    let l = l.as_str().expect("label").to_string();
                    assert!(
                        LABELS.iter().any(|(_, name)| *name == l),
                        "eval/{file} line {}: unknown label {l:?}",
                        n + 1
                    );
                    l
                })
                .collect();
            Example { text, labels }
        })
        .collect()
}

fn predicted(text: &str) -> HashSet<&'static str> {
    rules::find("", text)
        .iter()
        .map(|f| {
            LABELS
                .iter()
                .find(|(k, _)| *k == f.kind)
                .map(|(_, name)| *name)
                .expect("known kind")
        })
        .collect()
}

#[derive(Default)]
struct Counts {
    tp: usize,
    fp: usize,
    fn_: usize,
    false_positives: Vec<String>,
    misses: Vec<String>,
}

/// Scores the rules on one labelled file; prints and saves a table. Returns the labels
/// that fall below the minimums, with their errors.
fn evaluate(file: &str, min_support: usize) -> Vec<String> {
    let set = load(file);
    let unlabelled = set.iter().filter(|e| e.labels.is_empty()).count();

    let mut counts: BTreeMap<&str, Counts> = BTreeMap::new();
    for ex in &set {
        let got = predicted(&ex.text);
        for (_, name) in LABELS {
            let c = counts.entry(name).or_default();
            match (ex.labels.contains(name), got.contains(name)) {
                (true, true) => c.tp += 1,
                (false, true) => {
                    c.fp += 1;
                    c.false_positives.push(ex.text.clone());
                }
                (true, false) => {
                    c.fn_ += 1;
                    c.misses.push(ex.text.clone());
                }
                (false, false) => {}
            }
        }
    }

    // Plain text for CI logs (one line per label, as `.ci/run` greps them) and Markdown
    // for the README.
    let mut table = String::new();
    let mut markdown = String::new();
    let title = format!(
        "precision and recall on eval/{file} ({} sentences, {} with no label)",
        set.len(),
        unlabelled
    );
    writeln!(table, "{title}").unwrap();
    writeln!(table, "label              support  precision  recall").unwrap();
    writeln!(markdown, "{title}\n").unwrap();
    writeln!(markdown, "| label | support | precision | recall |").unwrap();
    writeln!(markdown, "|---|---:|---:|---:|").unwrap();
    let mut failures = Vec::new();
    for (_, name) in LABELS {
        let c = &counts[name];
        let support = c.tp + c.fn_;
        let precision = ratio(c.tp, c.tp + c.fp);
        let recall = ratio(c.tp, support);
        writeln!(
            table,
            "  {name:<17} {support:>6}  {precision:>9.3}  {recall:>6.3}"
        )
        .unwrap();
        writeln!(
            markdown,
            "| {name} | {support} | {precision:.3} | {recall:.3} |"
        )
        .unwrap();
        assert!(
            support >= min_support,
            "{file}: {name} has only {support} positives"
        );
        if precision < MIN_PRECISION || recall < MIN_RECALL {
            failures.push(format!(
                "{file}: {name}: precision {precision:.3}, recall {recall:.3}\n  false positives: {:#?}\n  misses: {:#?}",
                c.false_positives, c.misses
            ));
        }
    }
    println!("\n{table}");
    for (_, name) in LABELS {
        let c = &counts[name];
        for s in &c.false_positives {
            println!("false positive {name}: {s}");
        }
        for s in &c.misses {
            println!("missed {name}: {s}");
        }
    }
    println!();
    if let Some(dir) = option_env!("CARGO_TARGET_TMPDIR") {
        let stem = file.trim_end_matches(".jsonl");
        let _ = std::fs::write(
            format!("{dir}/coach-{stem}-eval.txt"),
            format!("{table}\n{markdown}"),
        );
    }
    failures
}

#[test]
fn eval_set_precision_and_recall() {
    let set = load("rules.jsonl");
    assert!(
        set.len() >= 220,
        "the eval set needs at least 220 sentences"
    );
    let unlabelled = set.iter().filter(|e| e.labels.is_empty()).count();
    assert!(
        unlabelled >= 40,
        "the eval set needs at least 40 unlabelled sentences"
    );
    let failures = evaluate("rules.jsonl", 20);
    assert!(
        failures.is_empty(),
        "below precision {MIN_PRECISION} / recall {MIN_RECALL}:\n{}",
        failures.join("\n")
    );
}

/// Sentences written after the rules, to see how they do on text they were not tuned on.
#[test]
fn holdout_precision_and_recall() {
    let failures = evaluate("holdout.jsonl", 10);
    assert!(
        failures.is_empty(),
        "below precision {MIN_PRECISION} / recall {MIN_RECALL}:\n{}",
        failures.join("\n")
    );
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

fn of_kind(findings: &[Finding], kind: FindingKind) -> Vec<&Finding> {
    findings.iter().filter(|f| f.kind == kind).collect()
}

fn assert_spans_valid(draft: &str, findings: &[Finding]) {
    for f in findings {
        assert!(f.span.start < f.span.end, "{f:?}");
        assert!(f.span.end <= draft.len(), "{f:?}");
        assert!(draft.is_char_boundary(f.span.start), "{f:?}");
        assert!(draft.is_char_boundary(f.span.end), "{f:?}");
        assert!(!f.suggestion.is_empty(), "{f:?}");
    }
}

#[test]
fn spans_point_at_the_right_text() {
    let draft = "It sounds like you're exhausted. At least you still have your job! \
                 What has this week been like?";
    let found = rules::find("", draft);
    assert_spans_valid(draft, &found);
    let text = |k| {
        of_kind(&found, k)
            .iter()
            .map(|f| &draft[f.span.start..f.span.end])
            .collect::<Vec<_>>()
    };
    assert_eq!(
        text(FindingKind::Reflection),
        ["It sounds like you're exhausted."]
    );
    assert_eq!(text(FindingKind::Minimising), ["At least"]);
    assert_eq!(
        text(FindingKind::OpenQuestion),
        ["What has this week been like?"]
    );
    assert!(of_kind(&found, FindingKind::ClosedQuestion).is_empty());
    // Findings are in reading order.
    assert!(found.windows(2).all(|w| w[0].span.start <= w[1].span.start));
}

#[test]
fn committed_suicide_suggests_died_by_suicide() {
    let draft = "I'm so sorry your brother committed suicide last spring.";
    let found = rules::find("", draft);
    let stig = of_kind(&found, FindingKind::Stigmatising);
    assert_eq!(stig.len(), 1, "{found:?}");
    assert_eq!(
        &draft[stig[0].span.start..stig[0].span.end],
        "committed suicide"
    );
    assert_eq!(stig[0].alternative.as_deref(), Some("died by suicide"));
    assert!(stig[0].suggestion.contains("died by suicide"));
}

#[test]
fn stigmatising_table_alternatives() {
    let cases = [
        (
            "He might commit suicide.",
            "commit suicide",
            "die by suicide",
        ),
        (
            "After the failed suicide attempt you felt numb.",
            "failed suicide attempt",
            "survived a suicide attempt",
        ),
        (
            "Your dad was an addict.",
            "addict",
            "person with a substance use disorder",
        ),
        (
            "Your dad was an ALCOHOLIC.",
            "ALCOHOLIC",
            "person with an alcohol use disorder",
        ),
        (
            "She suffers from anxiety.",
            "suffers from",
            "lives with / has",
        ),
        (
            "The mentally ill are often ignored.",
            "The mentally ill",
            "people with mental health conditions",
        ),
        (
            "You were non-compliant with the plan.",
            "non-compliant",
            "not taking the medication as prescribed",
        ),
        (
            "That's attention-seeking.",
            "attention-seeking",
            "reaching out for support",
        ),
        ("He tested dirty.", "tested dirty", "tested positive"),
        (
            "They called him retarded.",
            "retarded",
            "person with an intellectual disability",
        ),
    ];
    for (draft, term, alt) in cases {
        let found = rules::find("", draft);
        let stig = of_kind(&found, FindingKind::Stigmatising);
        assert_eq!(stig.len(), 1, "{draft}: {found:?}");
        assert_eq!(
            &draft[stig[0].span.start..stig[0].span.end],
            term,
            "{draft}"
        );
        assert_eq!(stig[0].alternative.as_deref(), Some(alt), "{draft}");
    }
    assert!(rules::stigmatising_terms().count() >= 20);
}

#[test]
fn stigmatising_respects_word_boundaries_and_context() {
    for draft in [
        "Psychotherapy can help with that.",
        "Alcoholic drinks can make the anxiety worse.",
        "Your abuser doesn't get to decide how this ends.",
        "Let's get into the nuts and bolts of the plan.",
        "We'll start with a clean slate.",
        "Bipolar disorder affects people differently.",
        "Your OCD diagnosis doesn't define you.",
        "People who die by suicide often told someone.",
        "When you said you felt \"crazy\", what did you mean?",
        "You called yourself \u{201C}a total psycho\u{201D} earlier.",
    ] {
        let found = rules::find("", draft);
        assert!(
            of_kind(&found, FindingKind::Stigmatising).is_empty(),
            "{draft}: {found:?}"
        );
    }
}

#[test]
fn just_and_at_least_only_when_minimising() {
    for draft in [
        "I just wanted to say I'm thinking of you.",
        "At least once a week we'll meet on video.",
        "The form needs at least two signatures.",
        "I was just reading your message.",
    ] {
        let found = rules::find("", draft);
        assert!(
            of_kind(&found, FindingKind::Minimising).is_empty(),
            "{draft}: {found:?}"
        );
    }
    for draft in ["It's just stress.", "Just relax.", "At least you tried."] {
        let found = rules::find("", draft);
        assert_eq!(
            of_kind(&found, FindingKind::Minimising).len(),
            1,
            "{draft}: {found:?}"
        );
    }
}

#[test]
fn advice_and_questions_are_told_apart() {
    let kinds =
        |d: &str| -> Vec<FindingKind> { rules::find("", d).into_iter().map(|f| f.kind).collect() };
    assert_eq!(
        kinds("What should we focus on today?"),
        [FindingKind::OpenQuestion]
    );
    assert_eq!(kinds("You should know I'm here for you."), []);
    assert_eq!(
        kinds("You should call your sister."),
        [FindingKind::PrematureAdvice]
    );
    let tried = kinds("Have you tried meditating?");
    assert!(
        tried.contains(&FindingKind::PrematureAdvice)
            && tried.contains(&FindingKind::ClosedQuestion)
    );
    assert_eq!(
        kinds("Why don't you tell him?"),
        [FindingKind::PrematureAdvice]
    );
    let closed = rules::find("", "Did you sleep last night?");
    assert_eq!(closed.len(), 1);
    assert!(closed[0].suggestion.contains("open"));
}

#[test]
fn reflections_can_reuse_the_clients_words() {
    let client = "I feel invisible at home and nobody asks how I am.";
    let draft = "Invisible at home, even with your family around.";
    assert!(rules::find("", draft).is_empty());
    let found = rules::find(client, draft);
    let refl = of_kind(&found, FindingKind::Reflection);
    assert_eq!(refl.len(), 1, "{found:?}");
    assert!(refl[0].suggestion.contains("invisible"));
}

#[test]
fn non_ascii_text_keeps_spans_on_char_boundaries() {
    let drafts = [
        "Ça va? 😔 It sounds like you’re exhausted — at least you’re résilient. Tell me more 🙏",
        "Élodie, “that” makes sense… 🤷‍♀️ did you commit suicide-related searches? Ünïcødé!",
        "😀😀😀? ?? ... ''' \"\" “” ‘’ — –",
        "Your café is clean? I'm so OCD 😅 about mugs. İstanbul was crazy.",
        "ß\u{0301}\u{200D}\u{FE0F}",
    ];
    for d in drafts {
        let found = rules::find("naïve client 😢 feeling épuisée", d);
        assert_spans_valid(d, &found);
    }
    let d = "Ça m’a touché… It’s just a phase 😅";
    let found = rules::find("", d);
    let min = of_kind(&found, FindingKind::Minimising);
    assert_eq!(min.len(), 1, "{found:?}");
    assert_eq!(&d[min[0].span.start..min[0].span.end], "It’s just");
}

#[test]
fn empty_and_blank_drafts_return_nothing() {
    assert!(rules::find("", "").is_empty());
    assert!(rules::find("I'm struggling", "   \n\t ").is_empty());
    assert!(rules::find("", "...?!").is_empty());
}

fn long_draft(words: usize) -> String {
    let sentences = [
        "It sounds like you've been carrying a lot on your own.",
        "What has that been like for you?",
        "At least you still have your job.",
        "You should talk to your manager about it.",
        "Did you sleep at all last night?",
        "I'm sorry your brother committed suicide.",
        "That makes complete sense given everything.",
        "I just wanted to check in after Tuesday's session.",
    ];
    let mut out = String::new();
    let mut n = 0;
    for s in sentences.iter().cycle() {
        if n >= words {
            break;
        }
        out.push_str(s);
        out.push(' ');
        n += s.split_whitespace().count();
    }
    out
}

#[test]
fn a_five_thousand_word_draft_completes() {
    let draft = long_draft(5_000);
    let start = Instant::now();
    let found = rules::find("I feel exhausted and alone.", &draft);
    let took = start.elapsed();
    assert_spans_valid(&draft, &found);
    assert!(found.len() > 500);
    assert!(took < Duration::from_secs(1), "took {took:?}");
}

#[test]
fn a_four_hundred_word_draft_is_fast() {
    let draft = long_draft(400);
    rules::find("", &draft); // build the tables once
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(rules::find(
            "I feel so tired.",
            std::hint::black_box(&draft),
        ));
    }
    let per = start.elapsed() / runs;
    println!("400-word draft: {per:?} per call");
    // Well under a millisecond when optimised; generous for unoptimised CI builds.
    assert!(per < Duration::from_millis(5), "{per:?} per call");
}
