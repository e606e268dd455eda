//! `rapport coach train|eval`: train the empathy model from EPITOME-format CSVs and
//! measure it (grouped k-fold cross-validation, or a saved model on a labelled set).

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use rapport_coach::model::{self, Model, TrainConfig};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand)]
pub enum CoachCommand {
    /// Train the empathy model on the EPITOME CSVs in DIR and write it to FILE.
    Train(TrainArgs),
    /// Report accuracy, macro-F1 and confusion matrices: k-fold cross-validation grouped
    /// by seeker post, or, with --model, a trained model scored on the labelled set.
    Eval(EvalArgs),
}

#[derive(Args)]
pub struct TrainArgs {
    /// Directory holding emotional-reactions-reddit.csv, interpretations-reddit.csv and
    /// explorations-reddit.csv.
    #[arg(long, env = "RAPPORT_EPITOME_DIR")]
    data: PathBuf,
    /// Where to write the model file.
    #[arg(long)]
    out: PathBuf,
}

#[derive(Args)]
pub struct EvalArgs {
    /// Directory holding the three EPITOME-format CSVs.
    #[arg(long, env = "RAPPORT_EPITOME_DIR")]
    data: PathBuf,
    /// Score this trained model instead of cross-validating.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Number of cross-validation folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
}

pub fn run(cmd: CoachCommand) -> Result<()> {
    match cmd {
        CoachCommand::Train(args) => train(args),
        CoachCommand::Eval(args) => eval(args),
    }
}

fn train(args: TrainArgs) -> Result<()> {
    let start = Instant::now();
    let progress = |msg: &str| eprintln!("[{:>5.1}s] {msg}", start.elapsed().as_secs_f64());
    let model = Model::train_with(&args.data, &TrainConfig::default(), &progress)
        .with_context(|| format!("training on {}", args.data.display()))?;
    model
        .save(&args.out)
        .with_context(|| format!("saving the model to {}", args.out.display()))?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "{:<21} {:>6} {:>6} {:>6} {:>10} {:>9}",
        "mechanism", "none", "weak", "strong", "iterations", "train acc"
    );
    for (m, s) in model.summaries() {
        println!(
            "{:<21} {:>6} {:>6} {:>6} {:>10} {:>8.1}%",
            m.name(),
            s.class_counts[0],
            s.class_counts[1],
            s.class_counts[2],
            s.iterations,
            100.0 * s.train_accuracy
        );
    }
    println!(
        "Wrote {} ({:.1} MB, {} features) in {:.1}s.",
        args.out.display(),
        size as f64 / 1e6,
        model.features(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

fn eval(args: EvalArgs) -> Result<()> {
    let start = Instant::now();
    let progress = |msg: &str| {
        if !args.json {
            eprintln!("[{:>5.1}s] {msg}", start.elapsed().as_secs_f64());
        }
    };
    let report = match &args.model {
        Some(path) => {
            let model = Model::load(path)?;
            model
                .evaluate(&args.data)
                .with_context(|| format!("evaluating on {}", args.data.display()))?
        }
        None => {
            if args.folds < 2 {
                bail!("--folds must be at least 2");
            }
            model::cross_validate_with(&args.data, args.folds, &TrainConfig::default(), &progress)
                .with_context(|| format!("cross-validating on {}", args.data.display()))?
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        match &args.model {
            Some(path) => println!("Model {} on {}:", path.display(), args.data.display()),
            None => println!(
                "{}-fold cross-validation grouped by seeker post on {}:",
                args.folds,
                args.data.display()
            ),
        }
        print!("{report}");
        println!("({:.1}s)", start.elapsed().as_secs_f64());
    }
    Ok(())
}
