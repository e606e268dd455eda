//! Booking at the store: the booking turn makes a check-then-write atomic on both
//! backends, and a refusal writes nothing.

use rapport_core::{DisplayName, Email, Pronouns, Role, TimeZoneName, UserId};
use rapport_store::schedule::{Booked, NewBooking, Occurrence, Settings};
use rapport_store::users::NewUser;
use rapport_store::Store;
use rapport_testkit::store_test;

async fn person(store: &Store, email: &str, role: Role) -> UserId {
    store
        .create_user(NewUser {
            email: &Email::parse(email).unwrap(),
            password_hash: "x".into(),
            display_name: &DisplayName::parse("Someone").unwrap(),
            pronouns: &Pronouns::parse(None).unwrap(),
            time_zone: &TimeZoneName::parse("Europe/Berlin").unwrap(),
            role,
            email_verified: true,
        })
        .await
        .unwrap()
        .id
}

store_test!(concurrent_bookings_of_one_slot_leave_exactly_one, |store| {
    let therapist = person(&store, "t@example.org", Role::Therapist).await;
    store
        .save_schedule_settings(&Settings::defaults(&therapist))
        .await
        .unwrap();
    let kind = store
        .add_session_type(&therapist, "Session", 50, 0, 10)
        .await
        .unwrap();
    let start = 1_900_000_000_000i64;
    let occ = Occurrence {
        starts_at: start,
        ends_at: start + 50 * 60_000,
        busy_from: start,
        busy_until: start + 60 * 60_000,
    };
    let mut tasks = Vec::new();
    for i in 0..100 {
        let client = person(&store, &format!("c{i}@example.org"), Role::Client).await;
        let store = store.clone();
        let therapist = therapist.clone();
        let kind = kind.clone();
        tasks.push(tokio::spawn(async move {
            store
                .book(
                    NewBooking {
                        therapist: &therapist,
                        client: &client,
                        session_type: &kind,
                        occurrences: &[occ],
                        free_cancel_hours: 24,
                        party: "client",
                        actor: &client,
                    },
                    // The rule under test: free only if no live booking overlaps.
                    |busy| {
                        if busy
                            .therapist
                            .iter()
                            .any(|(a, b)| *a < occ.busy_until && occ.busy_from < *b)
                        {
                            Err("taken".into())
                        } else {
                            Ok(())
                        }
                    },
                )
                .await
                .unwrap()
        }));
    }
    let mut done = 0;
    for t in tasks {
        match t.await.unwrap() {
            Booked::Done(ids) => {
                assert_eq!(ids.len(), 1);
                done += 1;
            }
            Booked::Refused(r) => assert_eq!(r, "taken"),
        }
    }
    assert_eq!(done, 1);
    let rows = store
        .raw_i64("SELECT COUNT(*) FROM appointments", &[])
        .await
        .unwrap();
    let events = store
        .raw_i64("SELECT COUNT(*) FROM appointment_events", &[])
        .await
        .unwrap();
    assert_eq!((rows, events), (1, 1));
});

store_test!(
    a_cancelled_slot_can_be_booked_again_and_cancel_is_once,
    |store| {
        let therapist = person(&store, "t@example.org", Role::Therapist).await;
        let client = person(&store, "c@example.org", Role::Client).await;
        store
            .save_schedule_settings(&Settings::defaults(&therapist))
            .await
            .unwrap();
        let kind = store
            .add_session_type(&therapist, "Session", 50, 0, 10)
            .await
            .unwrap();
        let start = 1_900_000_000_000i64;
        let occ = Occurrence {
            starts_at: start,
            ends_at: start + 50 * 60_000,
            busy_from: start,
            busy_until: start + 60 * 60_000,
        };
        let booking = || NewBooking {
            therapist: &therapist,
            client: &client,
            session_type: &kind,
            occurrences: std::slice::from_ref(&occ),
            free_cancel_hours: 24,
            party: "client",
            actor: &client,
        };
        let Booked::Done(ids) = store.book(booking(), |_| Ok(())).await.unwrap() else {
            panic!("not booked")
        };
        assert!(store
            .cancel_appointment(&ids[0], "client", &client, false)
            .await
            .unwrap());
        assert!(!store
            .cancel_appointment(&ids[0], "client", &client, false)
            .await
            .unwrap());
        // The unique index covers live bookings only, so the same start can be booked again.
        assert!(matches!(
            store.book(booking(), |_| Ok(())).await.unwrap(),
            Booked::Done(_)
        ));
        // Without the turn's check, the index still refuses a second live booking.
        assert!(matches!(
            store.book(booking(), |_| Ok(())).await,
            Err(rapport_store::StoreError::Conflict("time"))
        ));
    }
);

store_test!(
    a_therapist_who_never_saved_settings_can_still_be_booked,
    |store| {
        let therapist = person(&store, "t@example.org", Role::Therapist).await;
        let client = person(&store, "c@example.org", Role::Client).await;
        let kind = store
            .add_session_type(&therapist, "Session", 50, 0, 10)
            .await
            .unwrap();
        assert!(store.schedule_settings(&therapist).await.unwrap().is_none());
        let start = 1_900_000_000_000i64;
        let occ = Occurrence {
            starts_at: start,
            ends_at: start + 50 * 60_000,
            busy_from: start,
            busy_until: start + 60 * 60_000,
        };
        let outcome = store
            .book(
                NewBooking {
                    therapist: &therapist,
                    client: &client,
                    session_type: &kind,
                    occurrences: &[occ],
                    free_cancel_hours: 24,
                    party: "client",
                    actor: &client,
                },
                |_| Ok(()),
            )
            .await
            .unwrap();
        assert!(matches!(outcome, Booked::Done(_)));
        // The turn created the settings row with the defaults the rules already used.
        assert_eq!(
            store.schedule_settings(&therapist).await.unwrap(),
            Some(Settings::defaults(&therapist))
        );
    }
);
