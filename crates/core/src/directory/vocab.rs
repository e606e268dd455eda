//! The closed vocabularies of the directory. Each is an enum whose snake_case code is
//! stored and sent over the API (so codes never change), with a plain-language label.

use crate::Invalid;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Declares a vocabulary: the enum, `ALL`, `as_str`, `label`, `parse` and `FromStr`.
/// One table per vocabulary keeps code, label and the list of all values in step.
///
/// Labels start with a common word or an acronym, never a proper noun, because match
/// reasons use them mid-sentence ("offers cognitive behavioural therapy (CBT)").
macro_rules! vocabulary {
    (
        $(#[$doc:meta])*
        $name:ident, field = $field:literal, noun = $noun:literal,
        { $($(#[$vdoc:meta])* $variant:ident = $code:literal, $label:literal;)+ }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, utoipa::ToSchema,
        )]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $code)] $variant,)+
        }

        impl $name {
            /// Every value, in the order forms list them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored in the database and used in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The plain-language name shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            /// Reads a code; surrounding spaces and letter case are forgiven.
            pub fn parse(raw: &str) -> Result<Self, Invalid> {
                let code = raw.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str().eq_ignore_ascii_case(code))
                    .ok_or_else(|| {
                        let codes: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        Invalid::new(
                            $field,
                            format!("Choose {} from this list: {}.", $noun, codes.join(", ")),
                        )
                    })
            }
        }

        impl FromStr for $name {
            type Err = Invalid;
            fn from_str(s: &str) -> Result<Self, Invalid> {
                Self::parse(s)
            }
        }
    };
}

vocabulary! {
    /// A therapeutic approach a therapist is trained in.
    Modality, field = "modality", noun = "an approach", {
        Cbt = "cbt", "Cognitive behavioural therapy (CBT)";
        Dbt = "dbt", "Dialectical behaviour therapy (DBT)";
        Act = "act", "Acceptance and commitment therapy (ACT)";
        Emdr = "emdr", "Eye movement desensitisation and reprocessing (EMDR)";
        Psychodynamic = "psychodynamic", "Psychodynamic therapy";
        PersonCentred = "person_centred", "Person-centred therapy";
        MotivationalInterviewing = "motivational_interviewing", "Motivational interviewing";
        FamilySystems = "family_systems", "Family systems therapy";
        SolutionFocused = "solution_focused", "Solution-focused brief therapy";
        MindfulnessBased = "mindfulness_based", "Mindfulness-based therapy";
        Narrative = "narrative", "Narrative therapy";
        Gottman = "gottman", "Couples therapy (Gottman method)";
        Ifs = "ifs", "Internal family systems (IFS)";
        Somatic = "somatic", "Somatic therapy";
    }
}

vocabulary! {
    /// Something a client may want help with, and a therapist may work with.
    Specialty, field = "specialty", noun = "a concern", {
        Anxiety = "anxiety", "Anxiety";
        Depression = "depression", "Depression";
        Trauma = "trauma", "Trauma";
        Grief = "grief", "Grief";
        Relationships = "relationships", "Relationships";
        SubstanceUse = "substance_use", "Substance use";
        Ocd = "ocd", "OCD";
        EatingDisorders = "eating_disorders", "Eating disorders";
        Adhd = "adhd", "ADHD";
        Bipolar = "bipolar", "Bipolar disorder";
        Stress = "stress", "Stress";
        SelfEsteem = "self_esteem", "Self-esteem";
        LgbtqIssues = "lgbtq_issues", "LGBTQ+ identity";
        LifeTransitions = "life_transitions", "Life transitions";
        Parenting = "parenting", "Parenting";
        ChronicIllness = "chronic_illness", "Chronic illness";
        Sleep = "sleep", "Sleep problems";
        Anger = "anger", "Anger";
    }
}

vocabulary! {
    /// A group of people a therapist works with.
    Population, field = "population", noun = "a group", {
        Adults = "adults", "Adults";
        Adolescents = "adolescents", "Teenagers";
        Children = "children", "Children";
        Couples = "couples", "Couples";
        Families = "families", "Families";
        OlderAdults = "older_adults", "Older adults";
        Lgbtq = "lgbtq", "LGBTQ+ people";
        Veterans = "veterans", "Veterans";
        Bipoc = "bipoc", "Black, Indigenous and people of colour";
    }
}

vocabulary! {
    /// How sessions take place. Rapport is online only, so there is no in-person format.
    SessionFormat, field = "format", noun = "a session format", {
        Video = "video", "Video sessions";
        Messaging = "messaging", "Messaging";
    }
}

vocabulary! {
    /// The kind of license or registration a therapist holds; the label is the full title
    /// as the issuing board writes it, because clients look titles up.
    LicenseType, field = "license_type", noun = "a license type", {
        Lpc = "lpc", "Licensed Professional Counselor";
        Lpcc = "lpcc", "Licensed Professional Clinical Counselor";
        Lmhc = "lmhc", "Licensed Mental Health Counselor";
        Lcpc = "lcpc", "Licensed Clinical Professional Counselor";
        Lcsw = "lcsw", "Licensed Clinical Social Worker";
        Lmft = "lmft", "Licensed Marriage and Family Therapist";
        Psychologist = "psychologist", "Licensed Psychologist";
        Lpa = "lpa", "Licensed Psychological Associate";
        Psychiatrist = "psychiatrist", "Psychiatrist";
        /// Registered with the HCPC in the United Kingdom.
        CounsellingPsychologist = "counselling_psychologist", "HCPC-registered Counselling Psychologist";
        /// Registered with the HCPC in the United Kingdom.
        ClinicalPsychologist = "clinical_psychologist", "HCPC-registered Clinical Psychologist";
        /// Registered with a provincial college in Canada (CRPO in Ontario).
        RegisteredPsychotherapist = "registered_psychotherapist", "Registered Psychotherapist";
        /// Registered with a provincial college in Canada.
        RegisteredSocialWorker = "registered_social_worker", "Registered Social Worker";
        /// Registered with AHPRA in Australia.
        RegisteredPsychologist = "registered_psychologist", "AHPRA-registered Psychologist";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        fn check<T: Copy + PartialEq + std::fmt::Debug>(
            all: &[T],
            code: fn(T) -> &'static str,
            parse: fn(&str) -> Result<T, Invalid>,
        ) {
            for &v in all {
                assert_eq!(parse(code(v)).unwrap(), v);
                let c = code(v);
                assert!(
                    c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                    "{c}"
                );
            }
            let mut codes: Vec<_> = all.iter().map(|&v| code(v)).collect();
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), all.len());
        }
        check(Modality::ALL, Modality::as_str, Modality::parse);
        check(Specialty::ALL, Specialty::as_str, Specialty::parse);
        check(Population::ALL, Population::as_str, Population::parse);
        check(
            SessionFormat::ALL,
            SessionFormat::as_str,
            SessionFormat::parse,
        );
        check(LicenseType::ALL, LicenseType::as_str, LicenseType::parse);
    }

    #[test]
    fn parse_forgives_case_and_spaces_and_explains_refusals() {
        assert_eq!(Modality::parse(" CBT ").unwrap(), Modality::Cbt);
        let err = Specialty::parse("sadness").unwrap_err();
        assert_eq!(err.field, "specialty");
        assert!(err.message.contains("anxiety, depression"));
    }

    #[test]
    fn serde_reads_the_codes() {
        use serde::de::{value::Error, IntoDeserializer};
        let de = "person_centred".into_deserializer();
        let m: Result<Modality, Error> = Modality::deserialize(de);
        assert_eq!(m.unwrap(), Modality::PersonCentred);
        let de = "PersonCentred".into_deserializer();
        let m: Result<Modality, Error> = Modality::deserialize(de);
        assert!(m.is_err());
    }

    #[test]
    fn specialty_labels_join_into_one_list() {
        // Reasons join several concerns with "and": a label with its own "and" would blur.
        for s in Specialty::ALL {
            assert!(!s.label().contains(" and "), "{}", s.label());
        }
    }

    #[test]
    fn license_labels_are_full_titles() {
        assert_eq!(LicenseType::Lpc.label(), "Licensed Professional Counselor");
        assert_eq!(LicenseType::Lcsw.label(), "Licensed Clinical Social Worker");
        assert_eq!(
            LicenseType::Lmft.label(),
            "Licensed Marriage and Family Therapist"
        );
        assert_eq!(LicenseType::Psychologist.label(), "Licensed Psychologist");
    }
}
