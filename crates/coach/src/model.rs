//! Placeholder: the learned model (TF-IDF + logistic regression) is written next.
