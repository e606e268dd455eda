//! The care relationship between one client and one therapist: where it stands, who may
//! move it where, and what it lets the therapist do with the client's records. Every
//! clinical feature (conversations, sessions, plans, measures, notes, reviews) belongs to
//! one, and the vault asks [`therapist_access`] before a therapist seals or opens anything.

use crate::schedule::policy::Party;

/// Where a relationship stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CareStatus {
    /// The client sent a contact request; the therapist has not answered yet.
    Requested,
    /// In care: a first session was booked, or the therapist accepted a request.
    Active,
    /// Ended by either side, or a request that was declined or withdrawn.
    Ended,
}

impl CareStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CareStatus::Requested => "requested",
            CareStatus::Active => "active",
            CareStatus::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "requested" => CareStatus::Requested,
            "active" => CareStatus::Active,
            "ended" => CareStatus::Ended,
            _ => return None,
        })
    }

    /// How a client or therapist reads it.
    pub fn label(self) -> &'static str {
        match self {
            CareStatus::Requested => "Request waiting for an answer",
            CareStatus::Active => "In care",
            CareStatus::Ended => "Ended",
        }
    }
}

/// What happens to a relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CareEvent {
    /// The client asks the therapist a question, or for a free consultation, from the
    /// directory.
    ContactRequested,
    /// The therapist accepts a contact request.
    Accepted,
    /// The therapist declines a contact request.
    Declined,
    /// The client takes back a request not yet answered.
    Withdrawn,
    /// The client books a session.
    Booked,
    /// Either side ends care.
    Ended,
}

impl CareEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            CareEvent::ContactRequested => "requested",
            CareEvent::Accepted => "accepted",
            CareEvent::Declined => "declined",
            CareEvent::Withdrawn => "withdrawn",
            CareEvent::Booked => "booked",
            CareEvent::Ended => "ended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "requested" => CareEvent::ContactRequested,
            "accepted" => CareEvent::Accepted,
            "declined" => CareEvent::Declined,
            "withdrawn" => CareEvent::Withdrawn,
            "booked" => CareEvent::Booked,
            "ended" => CareEvent::Ended,
            _ => return None,
        })
    }
}

/// A relationship as the rules need to see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    pub status: CareStatus,
    /// Whether it was ever active (records of care may exist).
    pub ever_active: bool,
    /// Who ended it, when it is ended.
    pub ended_by: Option<Party>,
}

/// Why a change was refused, in words for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub &'static str);

/// The status after `event` by `by`, or why it cannot happen. `None` is "no relationship
/// yet". Booking an active relationship changes nothing (and is allowed).
pub fn transition(
    current: Option<&Relationship>,
    event: CareEvent,
    by: Party,
) -> Result<CareStatus, Refused> {
    use CareEvent as E;
    use CareStatus as S;
    let status = current.map(|r| r.status);
    let ended_by_therapist = current.is_some_and(|r| r.ended_by == Some(Party::Therapist));
    match (event, by) {
        (E::ContactRequested, Party::Client) => match status {
            None | Some(S::Ended) => Ok(S::Requested),
            Some(S::Requested) => Err(Refused(
                "You have already written to this therapist. They will answer your request soon.",
            )),
            Some(S::Active) => Err(Refused(
                "You are already in care with this therapist.",
            )),
        },
        (E::Booked, Party::Client) => match status {
            Some(S::Ended) if ended_by_therapist => Err(Refused(
                "This therapist is not able to see you. You can find another therapist in the directory.",
            )),
            _ => Ok(S::Active),
        },
        (E::Withdrawn, Party::Client) => match status {
            Some(S::Requested) => Ok(S::Ended),
            _ => Err(Refused("There is no open request to take back.")),
        },
        (E::Accepted, Party::Therapist) => match status {
            Some(S::Requested) => Ok(S::Active),
            _ => Err(Refused("There is no open request to accept.")),
        },
        (E::Declined, Party::Therapist) => match status {
            Some(S::Requested) => Ok(S::Ended),
            _ => Err(Refused("There is no open request to decline.")),
        },
        (E::Ended, _) => match status {
            Some(S::Active) => Ok(S::Ended),
            Some(S::Requested) => Err(Refused(
                "This is still a request: decline it or take it back instead.",
            )),
            _ => Err(Refused("This relationship has already ended.")),
        },
        (E::ContactRequested | E::Booked | E::Withdrawn, Party::Therapist) => {
            Err(Refused("Only the client can do this."))
        }
        (E::Accepted | E::Declined, Party::Client) => Err(Refused("Only the therapist can do this.")),
    }
}

/// Who ended a relationship when `event` by `by` moves it to `Ended`.
pub fn ended_by(event: CareEvent, by: Party) -> Option<Party> {
    match event {
        CareEvent::Declined => Some(Party::Therapist),
        CareEvent::Withdrawn => Some(Party::Client),
        CareEvent::Ended => Some(by),
        _ => None,
    }
}

/// What a relationship lets its therapist do with the client's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordAccess {
    /// Nothing at all.
    None,
    /// Read the contact request (and write an answer to it); nothing else of the client's.
    ContactRequestOnly,
    /// Read what was recorded in care (after it ended: records are kept for the legal
    /// retention period), write nothing new.
    ReadOnly,
    /// Read and write: the relationship is active.
    ReadWrite,
}

/// The therapist's access through this relationship (`None`: no relationship).
pub fn therapist_access(r: Option<&Relationship>) -> RecordAccess {
    match r {
        None => RecordAccess::None,
        Some(r) => match r.status {
            CareStatus::Active => RecordAccess::ReadWrite,
            CareStatus::Ended => RecordAccess::ReadOnly,
            CareStatus::Requested if r.ever_active => RecordAccess::ReadOnly,
            CareStatus::Requested => RecordAccess::ContactRequestOnly,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CareEvent as E;
    use CareStatus as S;

    fn rel(status: CareStatus, ever_active: bool, ended_by: Option<Party>) -> Relationship {
        Relationship {
            status,
            ever_active,
            ended_by,
        }
    }

    #[test]
    fn a_relationship_begins_with_a_request_or_a_booking() {
        assert_eq!(
            transition(None, E::ContactRequested, Party::Client),
            Ok(S::Requested)
        );
        assert_eq!(transition(None, E::Booked, Party::Client), Ok(S::Active));
        let requested = rel(S::Requested, false, None);
        assert_eq!(
            transition(Some(&requested), E::Accepted, Party::Therapist),
            Ok(S::Active)
        );
        assert_eq!(
            transition(Some(&requested), E::Booked, Party::Client),
            Ok(S::Active)
        );
        assert_eq!(
            transition(Some(&requested), E::Declined, Party::Therapist),
            Ok(S::Ended)
        );
        assert_eq!(
            transition(Some(&requested), E::Withdrawn, Party::Client),
            Ok(S::Ended)
        );
    }

    #[test]
    fn only_the_right_side_may_act() {
        let requested = rel(S::Requested, false, None);
        assert!(transition(Some(&requested), E::Accepted, Party::Client).is_err());
        assert!(transition(Some(&requested), E::Declined, Party::Client).is_err());
        assert!(transition(Some(&requested), E::Withdrawn, Party::Therapist).is_err());
        assert!(transition(None, E::ContactRequested, Party::Therapist).is_err());
        assert!(transition(None, E::Booked, Party::Therapist).is_err());
    }

    #[test]
    fn either_side_ends_active_care_once() {
        let active = rel(S::Active, true, None);
        assert_eq!(
            transition(Some(&active), E::Ended, Party::Client),
            Ok(S::Ended)
        );
        assert_eq!(
            transition(Some(&active), E::Ended, Party::Therapist),
            Ok(S::Ended)
        );
        let ended = rel(S::Ended, true, Some(Party::Client));
        assert!(transition(Some(&ended), E::Ended, Party::Therapist).is_err());
        assert!(transition(
            Some(&rel(S::Requested, false, None)),
            E::Ended,
            Party::Client
        )
        .is_err());
    }

    #[test]
    fn a_second_request_waits_for_the_first_answer() {
        assert!(transition(
            Some(&rel(S::Requested, false, None)),
            E::ContactRequested,
            Party::Client
        )
        .is_err());
        assert!(transition(
            Some(&rel(S::Active, true, None)),
            E::ContactRequested,
            Party::Client
        )
        .is_err());
        let ended = rel(S::Ended, true, Some(Party::Therapist));
        assert_eq!(
            transition(Some(&ended), E::ContactRequested, Party::Client),
            Ok(S::Requested)
        );
    }

    #[test]
    fn a_client_the_therapist_let_go_cannot_book_around_them() {
        let by_therapist = rel(S::Ended, true, Some(Party::Therapist));
        assert!(transition(Some(&by_therapist), E::Booked, Party::Client).is_err());
        let declined = rel(S::Ended, false, Some(Party::Therapist));
        assert!(transition(Some(&declined), E::Booked, Party::Client).is_err());
        let by_client = rel(S::Ended, true, Some(Party::Client));
        assert_eq!(
            transition(Some(&by_client), E::Booked, Party::Client),
            Ok(S::Active)
        );
        let active = rel(S::Active, true, None);
        assert_eq!(
            transition(Some(&active), E::Booked, Party::Client),
            Ok(S::Active)
        );
    }

    #[test]
    fn records_follow_the_relationship() {
        assert_eq!(therapist_access(None), RecordAccess::None);
        assert_eq!(
            therapist_access(Some(&rel(S::Requested, false, None))),
            RecordAccess::ContactRequestOnly
        );
        assert_eq!(
            therapist_access(Some(&rel(S::Active, true, None))),
            RecordAccess::ReadWrite
        );
        assert_eq!(
            therapist_access(Some(&rel(S::Ended, true, Some(Party::Client)))),
            RecordAccess::ReadOnly
        );
        // A returning client's new request does not hide the records of earlier care.
        assert_eq!(
            therapist_access(Some(&rel(S::Requested, true, None))),
            RecordAccess::ReadOnly
        );
    }

    #[test]
    fn names_round_trip() {
        for s in [S::Requested, S::Active, S::Ended] {
            assert_eq!(CareStatus::parse(s.as_str()), Some(s));
        }
        for e in [
            E::ContactRequested,
            E::Accepted,
            E::Declined,
            E::Withdrawn,
            E::Booked,
            E::Ended,
        ] {
            assert_eq!(CareEvent::parse(e.as_str()), Some(e));
        }
    }
}
