use super::*;

fn place(country: &str, region: Option<&str>) -> Jurisdiction {
    Jurisdiction::parse(country, region).unwrap()
}

fn ohio() -> Jurisdiction {
    place("US", Some("OH"))
}

fn request() -> MatchRequest {
    MatchRequest {
        location: ohio(),
        concerns: vec![],
        language: None,
        modality: None,
        format: None,
        budget_max_cents: None,
        wants_sliding_scale: false,
        identity: None,
    }
}

fn therapist() -> TherapistFacts {
    TherapistFacts {
        licensed_in: vec![ohio()],
        fee_cents: 12_000,
        ..TherapistFacts::default()
    }
}

#[test]
fn unlicensed_therapists_are_never_shown() {
    let req = request();
    let none = TherapistFacts {
        licensed_in: vec![],
        ..therapist()
    };
    let elsewhere = TherapistFacts {
        licensed_in: vec![place("US", Some("PA")), place("CA", None)],
        ..therapist()
    };
    assert_eq!(score(&req, &none), None);
    assert_eq!(score(&req, &elsewhere), None);
    let ranked = rank(&req, &[(1, none), (2, elsewhere), (3, therapist())]);
    assert_eq!(ranked.iter().map(|(id, _)| *id).collect::<Vec<_>>(), [3]);
}

#[test]
fn a_country_level_license_covers_the_whole_country() {
    let req = MatchRequest {
        location: place("GB", Some("SCT")),
        ..request()
    };
    let uk = TherapistFacts {
        licensed_in: vec![place("GB", None)],
        ..therapist()
    };
    assert_eq!(score(&req, &uk).unwrap().reasons, ["licensed in Scotland"]);
}

#[test]
fn reasons_are_plain_and_in_a_fixed_order() {
    let req = MatchRequest {
        concerns: vec![Specialty::Anxiety],
        language: Some("es".into()),
        budget_max_cents: Some(15_000),
        ..request()
    };
    let t = TherapistFacts {
        specialties: vec![Specialty::Depression, Specialty::Anxiety],
        languages: vec!["en".into(), "es".into()],
        ..therapist()
    };
    let m = score(&req, &t).unwrap();
    assert_eq!(
        m.reasons,
        [
            "licensed in Ohio",
            "speaks Spanish",
            "works with anxiety",
            "within your budget"
        ]
    );
    assert_eq!(m.score, 30 + 20 + 15);
}

#[test]
fn every_rule_scores_and_explains_itself() {
    let req = MatchRequest {
        concerns: vec![Specialty::Ocd, Specialty::Trauma, Specialty::Sleep],
        language: Some("ES ".into()),
        modality: Some(Modality::Cbt),
        format: Some(SessionFormat::Video),
        budget_max_cents: Some(12_000),
        wants_sliding_scale: true,
        identity: Some(IdentityPreferences {
            gender: Some("Woman".into()),
            faith: Some(" muslim".into()),
            cultural_background: Some("Somali".into()),
        }),
        ..request()
    };
    let t = TherapistFacts {
        specialties: vec![Specialty::Sleep, Specialty::Ocd, Specialty::Trauma],
        modalities: vec![Modality::Cbt],
        languages: vec!["es".into()],
        formats: vec![SessionFormat::Video, SessionFormat::Messaging],
        sliding_scale: true,
        gender: Some("woman".into()),
        faith: Some("Muslim".into()),
        cultural_background: Some("Somali".into()),
        ..therapist()
    };
    let m = score(&req, &t).unwrap();
    assert_eq!(
        m.reasons,
        [
            "licensed in Ohio",
            "speaks Spanish",
            "works with OCD, trauma and sleep problems",
            "offers cognitive behavioural therapy (CBT)",
            "offers video sessions",
            "within your budget",
            "matches your gender preference",
            "matches your faith preference",
            "matches your cultural background preference",
        ]
    );
    // A fee exactly at the budget is within it; the sliding scale then adds nothing.
    assert_eq!(m.score, 90 + 20 + 10 + 10 + 15 + 30);
}

#[test]
fn concerns_count_once_and_at_most_three_times() {
    let t = TherapistFacts {
        specialties: Specialty::ALL.to_vec(),
        ..therapist()
    };
    let req = |concerns: Vec<Specialty>| MatchRequest {
        concerns,
        ..request()
    };
    use Specialty::*;
    assert_eq!(score(&req(vec![Grief, Grief]), &t).unwrap().score, 30);
    let four = score(&req(vec![Grief, Anger, Adhd, Stress]), &t).unwrap();
    assert_eq!(four.score, 90);
    assert_eq!(four.reasons[1], "works with grief, anger, ADHD and stress");
    assert_eq!(score(&req(vec![]), &t).unwrap().score, 0);
}

#[test]
fn sliding_scale_helps_only_when_over_budget_and_wanted() {
    let t = TherapistFacts {
        sliding_scale: true,
        ..therapist()
    };
    let over = MatchRequest {
        budget_max_cents: Some(8_000),
        wants_sliding_scale: true,
        ..request()
    };
    let m = score(&over, &t).unwrap();
    assert_eq!(
        (m.score, m.reasons[1].as_str()),
        (5, "offers a sliding scale")
    );
    let not_wanted = MatchRequest {
        wants_sliding_scale: false,
        ..over.clone()
    };
    assert_eq!(score(&not_wanted, &t).unwrap().score, 0);
    let no_budget = MatchRequest {
        budget_max_cents: None,
        ..over
    };
    assert_eq!(score(&no_budget, &t).unwrap().score, 5);
    let fixed_fee = TherapistFacts {
        sliding_scale: false,
        ..t
    };
    assert_eq!(score(&no_budget, &fixed_fee).unwrap().score, 0);
}

#[test]
fn identity_preferences_need_both_sides_and_an_exact_match() {
    let t = TherapistFacts {
        gender: Some("Non-binary".into()),
        faith: None,
        ..therapist()
    };
    let req = MatchRequest {
        identity: Some(IdentityPreferences {
            gender: Some("woman".into()),
            faith: Some("Jewish".into()),
            cultural_background: Some("  ".into()),
        }),
        ..request()
    };
    assert_eq!(score(&req, &t).unwrap().score, 0);
}

#[test]
fn ties_go_to_the_lower_fee_then_the_lower_id() {
    let req = MatchRequest {
        concerns: vec![Specialty::Anxiety],
        ..request()
    };
    let with = |fee, anxiety: bool| TherapistFacts {
        fee_cents: fee,
        specialties: if anxiety {
            vec![Specialty::Anxiety]
        } else {
            vec![]
        },
        ..therapist()
    };
    let ranked = rank(
        &req,
        &[
            ("d", with(5_000, false)),
            ("c", with(15_000, true)),
            ("b", with(9_000, true)),
            ("a", with(15_000, true)),
        ],
    );
    let order: Vec<_> = ranked.iter().map(|(id, m)| (*id, m.score)).collect();
    assert_eq!(order, [("b", 30), ("a", 30), ("c", 30), ("d", 0)]);
}

/// A small deterministic generator, so the property below needs no extra dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).unwrap()
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.next(items.len())].clone()
    }

    fn some_of<T: Clone>(&mut self, items: &[T]) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.next(3) == 0)
            .cloned()
            .collect()
    }

    fn text(&mut self) -> Option<String> {
        self.pick(&[
            None,
            Some("woman".into()),
            Some("Man".into()),
            Some("Catholic".into()),
        ])
    }
}

#[test]
fn absent_identity_preferences_change_nothing() {
    let mut g = Lcg(7);
    let places = [ohio(), place("US", Some("PA")), place("US", None)];
    for _ in 0..200 {
        let candidates: Vec<(u32, TherapistFacts)> = (0..25)
            .map(|id| {
                let facts = TherapistFacts {
                    licensed_in: g.some_of(&places),
                    specialties: g.some_of(Specialty::ALL),
                    modalities: g.some_of(Modality::ALL),
                    languages: g.some_of(&["en".to_string(), "es".to_string()]),
                    formats: g.some_of(SessionFormat::ALL),
                    fee_cents: i64::try_from(g.next(5)).unwrap() * 3_000,
                    sliding_scale: g.next(2) == 0,
                    gender: g.text(),
                    faith: g.text(),
                    cultural_background: g.text(),
                };
                (id, facts)
            })
            .collect();
        let req = MatchRequest {
            location: g.pick(&places),
            concerns: g.some_of(Specialty::ALL),
            language: g.pick(&[None, Some("es".into())]),
            modality: g.pick(&[None, Some(Modality::Act)]),
            format: g.pick(&[None, Some(SessionFormat::Video)]),
            budget_max_cents: g.pick(&[None, Some(6_000)]),
            wants_sliding_scale: g.next(2) == 0,
            identity: None,
        };
        let blind: Vec<_> = candidates
            .iter()
            .map(|(id, f)| {
                let f = TherapistFacts {
                    gender: None,
                    faith: None,
                    cultural_background: None,
                    ..f.clone()
                };
                (*id, f)
            })
            .collect();
        let expected = rank(&req, &blind);
        assert_eq!(rank(&req, &candidates), expected);
        // Saying "no preference" to every question is the same as not being asked.
        let empty = MatchRequest {
            identity: Some(IdentityPreferences::default()),
            ..req
        };
        assert_eq!(rank(&empty, &candidates), expected);
    }
}
