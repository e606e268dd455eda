//! The learned empathy model: accuracy gates on EPITOME (5-fold cross-validation grouped
//! by seeker post), model-file round trips and errors, and `assess` behaviour.
//!
//! The EPITOME data are licensed for non-commercial research only and are not in the
//! repository: tests that need them read `RAPPORT_EPITOME_DIR` (default:
//! `shared/data/epitome` beside the checkout); without them they fail under CI and say
//! "SKIPPED" elsewhere.

use rapport_coach::model::{self, Mechanism, Model, ModelError, Report, FORMAT_VERSION};
use rapport_coach::Level;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Instant;

fn data_dir() -> Option<PathBuf> {
    let dir = model::default_data_dir();
    let complete = Mechanism::ALL
        .iter()
        .all(|m| dir.join(m.file_name()).is_file());
    if complete {
        Some(dir)
    } else {
        rapport_testkit::unavailable(
            &format!("the EPITOME data at {}", dir.display()),
            "set RAPPORT_EPITOME_DIR",
        );
        None
    }
}

/// One model trained on the full data, shared by the tests that need it.
fn trained() -> Option<&'static Model> {
    static MODEL: OnceLock<Option<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let dir = data_dir()?;
            let _guard = heavy();
            let t = Instant::now();
            let m = Model::train(&dir).expect("training succeeds");
            eprintln!("trained in {:.1}s", t.elapsed().as_secs_f64());
            Some(m)
        })
        .as_ref()
}

/// Serialises the CPU-heavy tests so the latency test measures `assess`, not contention.
fn heavy() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn print_report(title: &str, r: &Report) {
    eprintln!("{title}\n{r}");
    println!("{title}\n{r}");
}

#[test]
fn accuracy_gates_hold_under_grouped_cross_validation() {
    let Some(dir) = data_dir() else { return };
    let _guard = heavy();
    let t = Instant::now();
    let r = model::cross_validate(&dir, 5).expect("cross-validation runs");
    print_report(
        &format!(
            "5-fold CV grouped by seeker post ({:.1}s):",
            t.elapsed().as_secs_f64()
        ),
        &r,
    );
    // (accuracy, macro-F1) gates per mechanism.
    let gates = [(0.76, 0.69), (0.79, 0.53), (0.89, 0.60)];
    let mut failures = Vec::new();
    for ((m, got), (acc, f1)) in r.mechanisms().into_iter().zip(gates) {
        eprintln!(
            "{}: accuracy {:.3} (gate {acc}), macro-F1 {:.3} (gate {f1})",
            m.name(),
            got.accuracy,
            got.macro_f1
        );
        if got.accuracy < acc || got.macro_f1 < f1 {
            failures.push(m.name());
        }
        assert_eq!(got.examples(), 2448);
    }
    assert!(failures.is_empty(), "gates missed: {failures:?}");
}

#[test]
fn save_load_round_trip_predicts_identically() {
    let Some(m) = trained() else { return };
    let dir = tempdir();
    let path = dir.join("coach.model");
    m.save(&path).unwrap();
    let t = Instant::now();
    let loaded = Model::load(&path).unwrap();
    eprintln!(
        "model file: {:.1} MB, loaded in {:.0} ms",
        std::fs::metadata(&path).unwrap().len() as f64 / 1e6,
        t.elapsed().as_secs_f64() * 1e3
    );
    assert_eq!(loaded.config(), m.config());
    let samples = [
        (
            "I failed my exam and feel worthless.",
            "That sounds really painful. What happened?",
        ),
        (
            "Nobody listens to me.",
            "I'm so sorry you feel unheard. It sounds like you feel alone.",
        ),
        ("I can't sleep.", "Try melatonin."),
        ("", ""),
    ];
    for (s, r) in samples {
        assert_eq!(loaded.assess(s, r), m.assess(s, r));
    }
    assert_eq!(loaded.to_bytes(), m.to_bytes());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn evaluating_on_the_training_data_gives_sensible_fractions() {
    let Some(m) = trained() else { return };
    let dir = data_dir().unwrap();
    let r = {
        let _guard = heavy();
        m.evaluate(&dir).unwrap()
    };
    print_report("trained model on its own training data:", &r);
    for (_, got) in r.mechanisms() {
        assert!((0.0..=1.0).contains(&got.accuracy));
        assert!((0.0..=1.0).contains(&got.macro_f1));
        assert_eq!(got.examples(), 2448);
        // Seen data should be fitted well, but this is a regularised linear model.
        assert!(got.accuracy > 0.9, "{got:?}");
    }
    let json = serde_json::to_value(r).unwrap();
    for m in Mechanism::ALL {
        let v = &json[m.name()];
        assert!(v["accuracy"].as_f64().unwrap() <= 1.0);
        assert_eq!(v["confusion"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn assess_finds_levels_spans_and_suggestions() {
    let Some(m) = trained() else { return };
    let seeker = "My mom passed away last month and I can't stop crying. I feel so alone.";
    let reply = "I'm so sorry for your loss. That must be incredibly painful. \
                 How have you been coping since she passed?";
    let e = m.assess(seeker, reply);
    eprintln!("{}", serde_json::to_string_pretty(&e).unwrap());
    assert_ne!(e.emotional_reactions.level, Level::None);
    assert_ne!(e.explorations.level, Level::None);
    for r in [&e.emotional_reactions, &e.interpretations, &e.explorations] {
        assert!((r.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        if r.level == Level::None {
            assert!(r.spans.is_empty());
            assert!(r.suggestion.is_some());
        } else {
            assert!(!r.spans.is_empty());
        }
        for s in &r.spans {
            assert!(
                s.start < s.end && reply.is_char_boundary(s.start) && reply.is_char_boundary(s.end)
            );
        }
        if r.level == Level::Strong {
            assert!(r.suggestion.is_none());
        }
    }
    // The exploration span is the question.
    let q = &e.explorations.spans;
    assert!(
        q.iter()
            .any(|s| reply[s.start..s.end].contains("How have you been coping")),
        "{q:?}"
    );

    let flat = m.assess(seeker, "Just get over it.");
    assert_eq!(flat.explorations.level, Level::None);
    assert!(flat
        .explorations
        .suggestion
        .as_deref()
        .unwrap()
        .contains("open question"));
    // Non-ASCII replies keep spans on char boundaries.
    let r = "Ça doit être épuisant… Comment tu te sens ? I'm sorry — that sounds so hard.";
    for res in [&m.assess(seeker, r).emotional_reactions] {
        for s in &res.spans {
            assert!(r.is_char_boundary(s.start) && r.is_char_boundary(s.end));
        }
    }
}

#[test]
fn assess_is_fast() {
    let Some(m) = trained() else { return };
    let _guard = heavy();
    let seeker = "I've been feeling really down lately. Work is overwhelming and I can't sleep, \
                  and my partner doesn't seem to understand what I'm going through.";
    // ~60 words, four sentences.
    let reply = "That sounds really exhausting, and I'm sorry you're carrying so much right now. \
                 It sounds like you feel alone with this, even with your partner close by. \
                 When did you first notice the sleep problems starting? \
                 I wonder what it would feel like to tell your partner exactly what the last weeks have been like for you.";
    assert!((50..=80).contains(&reply.split_whitespace().count()));
    for _ in 0..20 {
        std::hint::black_box(m.assess(seeker, reply));
    }
    // The machine may be shared (CI, other builds): a round whose p99 was inflated by
    // preemption is retried, up to three rounds.
    let mut best = f64::INFINITY;
    for round in 0..3 {
        let mut times: Vec<f64> = (0..300)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(m.assess(seeker, reply));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        let p50 = times[times.len() / 2];
        let p99 = times[times.len() * 99 / 100];
        eprintln!("assess latency (round {round}): p50 {p50:.3} ms, p99 {p99:.3} ms");
        best = best.min(p99);
        if best < 5.0 {
            break;
        }
    }
    // The latency target itself is measured by `bench/run-coach.sh` (BENCHMARKS.md), not
    // here: a test on a shared 2-core machine only guards against an order-of-magnitude
    // regression, so that CI never fails on a busy moment.
    assert!(best < 50.0, "p99 {best:.3} ms");
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "rapport-coach-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A tiny synthetic EPITOME-format data set (never skipped).
fn synthetic(dir: &Path) {
    let rows = [
        (
            "s1",
            "I lost my job.",
            "I'm so sorry, that sounds awful.",
            [2, 0, 0],
        ),
        (
            "s2",
            "My dog died.",
            "That is heartbreaking, I'm sorry.",
            [2, 0, 0],
        ),
        (
            "s3",
            "I feel stuck.",
            "How long have you felt this way?",
            [0, 0, 2],
        ),
        (
            "s4",
            "Nobody calls me.",
            "What makes you feel that way?",
            [0, 0, 2],
        ),
        (
            "s5",
            "I'm anxious.",
            "I understand, I felt the same after my move.",
            [0, 2, 0],
        ),
        (
            "s6",
            "I can't focus.",
            "I get it, I went through this in college.",
            [0, 2, 0],
        ),
        ("s7", "I'm tired.", "Go to bed earlier.", [0, 0, 0]),
        ("s8", "I'm sad.", "Drink more water.", [0, 0, 0]),
        (
            "s9",
            "I'm lonely.",
            "Sorry. Why do you think that is?",
            [1, 0, 1],
        ),
        (
            "s10",
            "Work is hard.",
            "Ok, I see.\nWhat \"exactly\" happened?",
            [0, 1, 1],
        ),
    ];
    for m in Mechanism::ALL {
        let mut w = String::from("sp_id,rp_id,seeker_post,response_post,level,rationales\n");
        for (i, (sp, s, r, l)) in rows.iter().enumerate() {
            let q = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
            w.push_str(&format!("{sp},r{i},{},{},{},\n", q(s), q(r), l[m.index()]));
        }
        std::fs::write(dir.join(m.file_name()), w).unwrap();
    }
}

#[test]
fn synthetic_train_evaluate_save_load() {
    let dir = tempdir();
    synthetic(&dir);
    let m = Model::train(&dir).unwrap();
    let r = m.evaluate(&dir).unwrap();
    for (_, got) in r.mechanisms() {
        assert_eq!(got.examples(), 10);
        assert!(got.accuracy >= 0.8, "{got:?}");
    }
    let cv = model::cross_validate(&dir, 2).unwrap();
    assert_eq!(cv.explorations.examples(), 10);
    let path = dir.join("m.bin");
    m.save(&path).unwrap();
    let back = Model::load(&path).unwrap();
    assert_eq!(
        back.predict("x", "How are you feeling?"),
        m.predict("x", "How are you feeling?")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn corrupt_model_files_give_clear_errors() {
    let dir = tempdir();
    synthetic(&dir);
    let m = Model::train(&dir).unwrap();
    let good = m.to_bytes();
    let path = dir.join("m.bin");

    // Missing file.
    let err = Model::load(&dir.join("nope.bin")).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err}");
    assert!(err.to_string().contains("nope.bin"), "{err}");

    // Not a model at all.
    std::fs::write(&path, b"hello, world").unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(matches!(err, ModelError::NotAModel { .. }), "{err}");
    assert!(
        err.to_string().contains("not a Rapport coach model"),
        "{err}"
    );

    // Wrong version.
    let mut v = good.clone();
    v[12..16].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    std::fs::write(&path, &v).unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(matches!(err, ModelError::WrongVersion { .. }), "{err}");
    assert!(err.to_string().contains("retrain"), "{err}");

    // Truncated.
    std::fs::write(&path, &good[..good.len() / 2]).unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(matches!(err, ModelError::Corrupt { .. }), "{err}");
    std::fs::write(&path, &good[..20]).unwrap();
    assert!(matches!(
        Model::load(&path).unwrap_err(),
        ModelError::Corrupt { .. }
    ));

    // A flipped bit in the payload.
    let mut flipped = good.clone();
    let k = good.len() - 7;
    flipped[k] ^= 0x10;
    std::fs::write(&path, &flipped).unwrap();
    let err = Model::load(&path).unwrap_err();
    assert!(matches!(err, ModelError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("corrupt"), "{err}");

    // And the intact file loads.
    std::fs::write(&path, &good).unwrap();
    Model::load(&path).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn missing_training_data_is_a_clear_error() {
    let dir = tempdir();
    let err = Model::train(&dir).unwrap_err();
    assert!(matches!(err, ModelError::Data { .. }), "{err}");
    assert!(
        err.to_string().contains("emotional-reactions-reddit.csv"),
        "{err}"
    );
    std::fs::write(
        dir.join("emotional-reactions-reddit.csv"),
        "sp_id,rp_id,seeker_post,response_post,level\na,b,c,d,7\n",
    )
    .unwrap();
    let err = Model::train(&dir).unwrap_err();
    assert!(err.to_string().contains("not 0, 1 or 2"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn sentences_are_char_boundary_spans() {
    let t = "Je suis désolé. Ça a l'air dur!  Qu'est-ce qui s'est passé?";
    let s = model::sentences(t);
    assert_eq!(s.len(), 3);
    for sp in s {
        assert!(t.is_char_boundary(sp.start) && t.is_char_boundary(sp.end));
    }
}
