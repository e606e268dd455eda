//! Care relationships on both backends: every change goes through the rules in `core`,
//! is kept in the history, and a booking begins care (or is refused after a therapist
//! ended it).

use rapport_core::care::CareEvent;
use rapport_core::schedule::policy::Party;
use rapport_core::Role;
use rapport_store::care::{self, Change};
use rapport_store::schedule::{Booked, NewBooking, Occurrence};
use rapport_store::Store;
use rapport_testkit::people::{change, person, Person};
use rapport_testkit::store_test;

async fn try_change(
    store: &Store,
    client: &Person,
    therapist: &Person,
    event: CareEvent,
    party: Party,
) -> Result<String, String> {
    let actor = match party {
        Party::Client => &client.user.id,
        Party::Therapist => &therapist.user.id,
    };
    let mut tx = store.begin_write().await.unwrap();
    let out = care::apply(
        &mut tx,
        Change {
            client: &client.user.id,
            therapist: &therapist.user.id,
            event,
            party,
            actor,
            event_id: &rapport_store::new_id(),
            reason_sealed: Some(b"sealed-reason"),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    out.map(|r| r.status).map_err(|e| e.0.to_string())
}

store_test!(a_request_is_answered_once_and_its_history_kept, |store| {
    let ana = person(&store, "ana@example.org", Role::Client).await;
    let lee = person(&store, "lee@example.org", Role::Therapist).await;
    let row = change(
        &store,
        &ana.user.id,
        &lee.user.id,
        CareEvent::ContactRequested,
        Party::Client,
    )
    .await;
    assert_eq!(row.status, "requested");
    assert_eq!(row.ever_active, 0);
    let mut tx = store.begin_write().await.unwrap();
    care::add_contact_request(&mut tx, "q1", &row.id, "question", b"sealed-body")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The client cannot accept their own request; a second request waits.
    assert!(
        try_change(&store, &ana, &lee, CareEvent::Accepted, Party::Client)
            .await
            .is_err()
    );
    assert!(try_change(
        &store,
        &ana,
        &lee,
        CareEvent::ContactRequested,
        Party::Client
    )
    .await
    .is_err());
    let accepted = change(
        &store,
        &ana.user.id,
        &lee.user.id,
        CareEvent::Accepted,
        Party::Therapist,
    )
    .await;
    assert_eq!(
        (accepted.status.as_str(), accepted.ever_active),
        ("active", 1)
    );
    assert_eq!(accepted.id, row.id, "one relationship per pair");
    let requests = store.contact_requests(&row.id).await.unwrap();
    assert_eq!(requests[0].outcome.as_deref(), Some("accepted"));
    assert_eq!(
        try_change(&store, &ana, &lee, CareEvent::Ended, Party::Therapist).await,
        Ok("ended".into())
    );
    let ended = store.care(&row.id).await.unwrap().unwrap();
    assert_eq!(ended.ended_by.as_deref(), Some("therapist"));
    let history = store.care_events(&row.id).await.unwrap();
    let kinds: Vec<(&str, &str, &str)> = history
        .iter()
        .map(|e| (e.kind.as_str(), e.party.as_str(), e.status.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("requested", "client", "requested"),
            ("accepted", "therapist", "active"),
            ("ended", "therapist", "ended"),
        ]
    );
    assert_eq!(
        history[2].reason_sealed.as_deref(),
        Some(&b"sealed-reason"[..])
    );
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
});

store_test!(
    a_first_booking_begins_care_and_a_therapist_who_ended_it_is_not_booked_around,
    |store| {
        let ana = person(&store, "ana@example.org", Role::Client).await;
        let lee = person(&store, "lee@example.org", Role::Therapist).await;
        let kind = store
            .add_session_type(&lee.user.id, "Session", 50, 0, 10)
            .await
            .unwrap();
        let book = |start: i64| {
            let store = store.clone();
            let (ana, lee, kind) = (ana.user.id.clone(), lee.user.id.clone(), kind.clone());
            async move {
                store
                    .book(
                        NewBooking {
                            therapist: &lee,
                            client: &ana,
                            session_type: &kind,
                            occurrences: &[Occurrence {
                                starts_at: start,
                                ends_at: start + 50 * 60_000,
                                busy_from: start,
                                busy_until: start + 60 * 60_000,
                            }],
                            free_cancel_hours: 24,
                            party: "client",
                            actor: &ana,
                        },
                        |_| Ok(()),
                    )
                    .await
                    .unwrap()
            }
        };
        let day = 86_400_000;
        let now = rapport_store::now_ms();
        let Booked::Done(ids) = book(now + 3 * day).await else {
            panic!("the first booking goes through");
        };
        let care = store
            .care_between(&ana.user.id, &lee.user.id)
            .await
            .unwrap()
            .expect("booking began care");
        assert_eq!(care.status, "active");
        let listed = store.care_of(&lee.user.id, now).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].next_session_id.as_deref(), Some(ids[0].as_str()));
        assert_eq!(listed[0].client_name, "ana");
        // A second booking changes nothing in the relationship's history.
        assert!(matches!(book(now + 4 * day).await, Booked::Done(_)));
        assert_eq!(store.care_events(&care.id).await.unwrap().len(), 1);
        change(
            &store,
            &ana.user.id,
            &lee.user.id,
            CareEvent::Ended,
            Party::Therapist,
        )
        .await;
        let Booked::Refused(reason) = book(now + 5 * day).await else {
            panic!("a therapist who ended care is not booked around");
        };
        assert!(reason.contains("not able to see you"), "{reason}");
    }
);
