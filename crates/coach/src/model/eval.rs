//! Accuracy, macro-F1 and confusion matrices, and their JSON / table forms.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Scores of one mechanism. `confusion[true][predicted]` counts examples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MechanismReport {
    /// Fraction of examples whose level was predicted exactly (0–1).
    pub accuracy: f64,
    /// Unweighted mean of the per-level F1 scores (0–1), over levels that occur in the
    /// truth or the predictions (as scikit-learn's `f1_score(average="macro")`).
    pub macro_f1: f64,
    /// Rows: true level (none, weak, strong); columns: predicted level.
    pub confusion: [[u32; 3]; 3],
}

impl MechanismReport {
    pub fn from_confusion(confusion: [[u32; 3]; 3]) -> MechanismReport {
        let total: u32 = confusion.iter().flatten().sum();
        let correct: u32 = (0..3).map(|k| confusion[k][k]).sum();
        let mut f1_sum = 0.0;
        let mut classes = 0;
        for (k, row) in confusion.iter().enumerate() {
            let support: u32 = row.iter().sum();
            let predicted: u32 = (0..3).map(|t| confusion[t][k]).sum();
            if support == 0 && predicted == 0 {
                continue;
            }
            classes += 1;
            let tp = f64::from(row[k]);
            let denom = f64::from(support + predicted);
            f1_sum += if denom > 0.0 { 2.0 * tp / denom } else { 0.0 };
        }
        MechanismReport {
            accuracy: if total > 0 {
                f64::from(correct) / f64::from(total)
            } else {
                0.0
            },
            macro_f1: if classes > 0 {
                f1_sum / f64::from(classes)
            } else {
                0.0
            },
            confusion,
        }
    }

    /// Builds the report from (true, predicted) level pairs (0, 1, 2).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (u8, u8)>) -> MechanismReport {
        let mut c = [[0u32; 3]; 3];
        for (t, p) in pairs {
            c[t as usize][p as usize] += 1;
        }
        MechanismReport::from_confusion(c)
    }

    pub fn examples(&self) -> u32 {
        self.confusion.iter().flatten().sum()
    }
}

/// Scores of all three mechanisms; serialises to
/// `{"emotional_reactions": {...}, "interpretations": {...}, "explorations": {...}}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub emotional_reactions: MechanismReport,
    pub interpretations: MechanismReport,
    pub explorations: MechanismReport,
}

impl Report {
    pub fn mechanisms(&self) -> [(super::Mechanism, &MechanismReport); 3] {
        use super::Mechanism::*;
        [
            (EmotionalReactions, &self.emotional_reactions),
            (Interpretations, &self.interpretations),
            (Explorations, &self.explorations),
        ]
    }
}

impl fmt::Display for Report {
    /// A small table per mechanism: accuracy, macro-F1, and the confusion matrix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<21} {:>8} {:>9} {:>9}",
            "mechanism", "accuracy", "macro-F1", "examples"
        )?;
        for (m, r) in self.mechanisms() {
            writeln!(
                f,
                "{:<21} {:>7.1}% {:>8.1}% {:>9}",
                m.name(),
                100.0 * r.accuracy,
                100.0 * r.macro_f1,
                r.examples()
            )?;
        }
        for (m, r) in self.mechanisms() {
            writeln!(f)?;
            writeln!(
                f,
                "{} — confusion (rows: true, columns: predicted)",
                m.name()
            )?;
            writeln!(f, "{:>10} {:>7} {:>7} {:>7}", "", "none", "weak", "strong")?;
            for (label, row) in ["none", "weak", "strong"].iter().zip(&r.confusion) {
                writeln!(f, "{label:>10} {:>7} {:>7} {:>7}", row[0], row[1], row[2])?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_hand_computation() {
        // truth: 0,0,0,1,1,2 ; pred: 0,0,1,1,2,2
        let r = MechanismReport::from_pairs([(0, 0), (0, 0), (0, 1), (1, 1), (1, 2), (2, 2)]);
        assert!((r.accuracy - 4.0 / 6.0).abs() < 1e-12);
        // F1: class0 = 2·2/(3+2) = 0.8; class1 = 2·1/(2+2) = 0.5; class2 = 2·1/(1+2) = 2/3.
        let expected = (0.8 + 0.5 + 2.0 / 3.0) / 3.0;
        assert!((r.macro_f1 - expected).abs() < 1e-12);
        assert_eq!(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]]);
        assert_eq!(r.examples(), 6);
    }

    #[test]
    fn absent_classes_are_not_averaged() {
        let r = MechanismReport::from_pairs([(0, 0), (2, 2)]);
        assert!((r.macro_f1 - 1.0).abs() < 1e-12);
    }

    #[test]
    fn json_shape() {
        let m = MechanismReport::from_pairs([(0, 0)]);
        let r = Report {
            emotional_reactions: m,
            interpretations: m,
            explorations: m,
        };
        let v = serde_json::to_value(r).unwrap();
        let er = &v["emotional_reactions"];
        assert_eq!(er["accuracy"], 1.0);
        assert_eq!(er["confusion"][0][0], 1);
        assert_eq!(v.as_object().unwrap().len(), 3);
        assert_eq!(er.as_object().unwrap().len(), 3);
    }
}
