//! Directory store: licenses and their history, and search that gives the same results on
//! both backends.

use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use rapport_store::directory::{NewLicense, ProfileInput, SearchQuery};
use rapport_store::users::NewUser;
use rapport_store::Store;
use rapport_testkit::store_test;

async fn therapist(store: &Store, name: &str, pronouns: &str) -> UserId {
    let email = Email::parse(&format!(
        "{}@example.org",
        name.to_lowercase().replace(' ', ".")
    ))
    .unwrap();
    store
        .create_user(NewUser {
            email: &email,
            password_hash: "x".into(),
            display_name: &DisplayName::parse(name).unwrap(),
            pronouns: &Pronouns::parse(Some(pronouns)).unwrap(),
            time_zone: &TimeZoneName::parse("America/Chicago").unwrap(),
            role: Role::Therapist,
            email_verified: true,
        })
        .await
        .unwrap()
        .id
}

fn profile(
    intro: &str,
    specialties: &[&str],
    languages: &[&str],
    fee: i64,
    sliding: bool,
) -> ProfileInput {
    ProfileInput {
        short_intro: intro.into(),
        long_intro: format!("{intro} I work with adults."),
        specialties: specialties.iter().map(|s| s.to_string()).collect(),
        languages: languages.iter().map(|s| s.to_string()).collect(),
        modalities: vec!["cbt".into()],
        formats: vec!["video".into()],
        insurance: vec!["Aetna".into(), "Blue Cross".into()],
        fee_cents: fee,
        sliding_scale: sliding,
        reply_within_hours: 24,
        ..Default::default()
    }
}

async fn licensed(
    store: &Store,
    who: &UserId,
    admin: &UserId,
    country: &str,
    region: Option<&str>,
    expires: &str,
    verify: bool,
) -> String {
    let l = store
        .add_license(
            who,
            NewLicense {
                license_type: "lpc",
                number: "12345",
                country,
                region,
                issued_on: "2020-01-01",
                expires_on: expires,
            },
        )
        .await
        .unwrap();
    if verify {
        store
            .decide_license(&l.id, admin, true, "registry_lookup", Some("checked"))
            .await
            .unwrap();
    }
    l.id
}

async fn names(store: &Store, q: &SearchQuery) -> Vec<String> {
    let (list, total) = store.search_therapists(q).await.unwrap();
    assert!(total >= list.len() as i64);
    list.into_iter().map(|p| p.display_name).collect()
}

store_test!(
    only_therapists_with_a_counting_license_are_listed_and_found,
    |store| {
        let admin = therapist(&store, "Admin Person", "they/them").await;
        let lee = therapist(&store, "Hannah Lee", "she/her").await;
        let ruiz = therapist(&store, "Sofía Ruiz", "she/her").await;
        let okafor = therapist(&store, "James Okafor", "he/him").await;
        let pending = therapist(&store, "Pending Person", "he/him").await;
        let expired = therapist(&store, "Expired Person", "he/him").await;
        store
            .save_profile(
                &lee,
                "Hannah Lee",
                &profile(
                    "Calm support for anxiety and panic.",
                    &["anxiety"],
                    &["en"],
                    12000,
                    true,
                ),
            )
            .await
            .unwrap();
        store
            .save_profile(
                &ruiz,
                "Sofía Ruiz",
                &profile(
                    "Terapia en español for grief and anxiety.",
                    &["grief", "anxiety"],
                    &["en", "es"],
                    9000,
                    false,
                ),
            )
            .await
            .unwrap();
        store
            .save_profile(
                &okafor,
                "James Okafor",
                &profile(
                    "Trauma-informed care for veterans.",
                    &["trauma"],
                    &["en"],
                    15000,
                    true,
                ),
            )
            .await
            .unwrap();
        store
            .save_profile(
                &pending,
                "Pending Person",
                &profile("Anxiety help.", &["anxiety"], &["en"], 5000, true),
            )
            .await
            .unwrap();
        store
            .save_profile(
                &expired,
                "Expired Person",
                &profile("Anxiety help.", &["anxiety"], &["en"], 5000, true),
            )
            .await
            .unwrap();
        licensed(&store, &lee, &admin, "US", Some("TX"), "2030-06-30", true).await;
        licensed(&store, &ruiz, &admin, "US", Some("OH"), "2030-06-30", true).await;
        licensed(
            &store,
            &okafor,
            &admin,
            "US",
            Some("TX"),
            "2030-06-30",
            true,
        )
        .await;
        licensed(
            &store,
            &pending,
            &admin,
            "US",
            Some("TX"),
            "2030-06-30",
            false,
        )
        .await;
        licensed(
            &store,
            &expired,
            &admin,
            "US",
            Some("TX"),
            "2026-11-26",
            true,
        )
        .await;

        let base = SearchQuery {
            limit: 20,
            today: "2026-11-26".into(),
            lowest_fee_first: true,
            ..Default::default()
        };
        assert_eq!(
            names(&store, &base).await,
            ["Sofía Ruiz", "Hannah Lee", "James Okafor"],
            "pending and expired-today are not listed"
        );
        let texas = SearchQuery {
            country: Some("US".into()),
            region: Some("TX".into()),
            ..base.clone()
        };
        assert_eq!(names(&store, &texas).await, ["Hannah Lee", "James Okafor"]);
        let ohio_anxiety = SearchQuery {
            country: Some("US".into()),
            region: Some("OH".into()),
            specialty: Some("anxiety".into()),
            ..base.clone()
        };
        assert_eq!(names(&store, &ohio_anxiety).await, ["Sofía Ruiz"]);
        let spanish = SearchQuery {
            language: Some("es".into()),
            ..base.clone()
        };
        assert_eq!(names(&store, &spanish).await, ["Sofía Ruiz"]);
        let cheap_sliding = SearchQuery {
            fee_max_cents: Some(13000),
            sliding_scale: true,
            ..base.clone()
        };
        assert_eq!(names(&store, &cheap_sliding).await, ["Hannah Lee"]);
        let he = SearchQuery {
            pronouns: Some("He/Him".into()),
            ..base.clone()
        };
        assert_eq!(names(&store, &he).await, ["James Okafor"]);
        let insured = SearchQuery {
            insurance: Some("blue cross".into()),
            fee_min_cents: Some(10000),
            ..base.clone()
        };
        assert_eq!(
            names(&store, &insured).await,
            ["Hannah Lee", "James Okafor"]
        );
        // Free text over names and introductions, same on both backends.
        let text = |t: &str| SearchQuery {
            text: Some(t.into()),
            ..base.clone()
        };
        assert_eq!(
            names(&store, &text("anxiety")).await,
            ["Sofía Ruiz", "Hannah Lee"]
        );
        assert_eq!(names(&store, &text("Sofía")).await, ["Sofía Ruiz"]);
        assert_eq!(
            names(&store, &text("trauma veterans")).await,
            ["James Okafor"]
        );
        assert!(
            names(&store, &text("\"; DROP TABLE users; --"))
                .await
                .is_empty(),
            "query syntax is never passed through"
        );
        let best = SearchQuery {
            text: Some("anxiety".into()),
            lowest_fee_first: false,
            ..base.clone()
        };
        let mut got = names(&store, &best).await;
        got.sort();
        assert_eq!(got, ["Hannah Lee", "Sofía Ruiz"]);
        // Pagination.
        let page2 = SearchQuery {
            limit: 2,
            offset: 2,
            ..base.clone()
        };
        let (list, total) = store.search_therapists(&page2).await.unwrap();
        assert_eq!((list.len(), total), (1, 3));
    }
);

store_test!(license_decisions_are_kept_in_history, |store| {
    let admin = therapist(&store, "Admin Person", "they/them").await;
    let lee = therapist(&store, "Hannah Lee", "she/her").await;
    let id = licensed(&store, &lee, &admin, "US", Some("TX"), "2030-01-01", false).await;
    assert_eq!(store.pending_licenses().await.unwrap().len(), 1);
    let rejected = store
        .decide_license(&id, &admin, false, "number not found in the registry", None)
        .await
        .unwrap();
    assert_eq!(rejected.status, "rejected");
    let verified = store
        .decide_license(&id, &admin, true, "document", Some("copy of license"))
        .await
        .unwrap();
    assert_eq!(
        (verified.status.as_str(), verified.decided_by.as_deref()),
        ("verified", Some(admin.as_str()))
    );
    let history: Vec<String> = store
        .license_history(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.status)
        .collect();
    assert_eq!(history, ["pending", "rejected", "verified"]);
    assert!(store.pending_licenses().await.unwrap().is_empty());
});
