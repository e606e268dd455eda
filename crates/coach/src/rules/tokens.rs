//! Turning text into sentences and normalised words: sentence bounds, quotation marks
//! and tokens with contractions expanded, so the patterns see one spelling per word.

/// A word of the draft, normalised, with its byte span. Contractions become two tokens
/// sharing one span ("it's" → "it", "is").
#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) norm: String,
    pub(super) start: usize,
    pub(super) end: usize,
    /// Inside quotation marks: the client's words quoted back.
    pub(super) quoted: bool,
    /// A clause boundary (comma, colon, dash, bracket) comes just before this word.
    pub(super) boundary: bool,
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{02BC}')
}

#[rustfmt::skip]
const ABBREVIATIONS: &[&str] = &[
    "dr", "mr", "mrs", "ms", "prof", "st", "e.g", "i.e", "etc", "vs", "approx", "eg", "ie",
    "jr", "sr", "mt", "dept", "cf",
];

/// Sentence byte ranges, trimmed. Ends at . ! ? … followed by white space (unless the
/// word before a full stop is a known abbreviation), and at line breaks.
pub(super) fn sentence_bounds(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = if c == '\n' {
            Some((i, i + 1))
        } else if matches!(c, '.' | '!' | '?' | '…') {
            // Take the run of terminators and closing quotes or brackets.
            let mut j = i + c.len_utf8();
            while let Some(&(k, d)) = chars.peek() {
                if matches!(
                    d,
                    '.' | '!' | '?' | '…' | '"' | '\'' | '\u{201D}' | '\u{2019}' | ')' | ']'
                ) {
                    j = k + d.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let at_space = text[j..].chars().next().is_none_or(char::is_whitespace);
            if at_space && !(c == '.' && is_abbreviation(&text[start..i])) {
                Some((j, j))
            } else {
                None
            }
        } else {
            None
        };
        if let Some((sentence_end, next_start)) = end {
            push_trimmed(text, start, sentence_end, &mut out);
            start = next_start;
        }
    }
    push_trimmed(text, start, text.len(), &mut out);
    out
}

fn push_trimmed(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let lead = s.len() - s.trim_start().len();
    let trimmed = s.trim();
    if !trimmed.is_empty() {
        out.push((start + lead, start + lead + trimmed.len()));
    }
}

fn is_abbreviation(before: &str) -> bool {
    let word: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    if word.is_empty() {
        return false;
    }
    // A single initial ("J. Smith").
    if word.chars().count() == 1 && before.chars().last().is_some_and(char::is_uppercase) {
        return true;
    }
    ABBREVIATIONS.contains(&word.as_str())
}

pub(super) fn ends_with_question(sentence: &str) -> bool {
    sentence
        .chars()
        .rev()
        .find(|c| c.is_alphanumeric() || matches!(c, '.' | '!' | '?' | '…'))
        == Some('?')
}

/// Byte ranges inside quotation marks: "…", “…”, ‘…’ and '…' (a straight single quote
/// opens only before a word and closes only after one, so apostrophes are left alone).
pub(super) fn quote_regions(text: &str) -> Vec<(usize, usize)> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut open_double: Option<usize> = None;
    let mut open_curly_double: Option<usize> = None;
    let mut open_single: Option<usize> = None;
    for (n, &(i, c)) in chars.iter().enumerate() {
        let prev = n.checked_sub(1).map(|p| chars[p].1);
        let next = chars.get(n + 1).map(|&(_, d)| d);
        let prev_word = prev.is_some_and(|p| p.is_alphanumeric());
        let next_word = next.is_some_and(|d| d.is_alphanumeric());
        match c {
            '"' => match open_double.take() {
                Some(o) => out.push((o, i + 1)),
                None => open_double = Some(i),
            },
            '\u{201C}' => open_curly_double = Some(i),
            '\u{201D}' => {
                if let Some(o) = open_curly_double.take() {
                    out.push((o, i + c.len_utf8()));
                }
            }
            '\u{2018}' => open_single = Some(i),
            '\'' | '\u{2019}' => {
                if !prev_word && next_word && c == '\'' {
                    open_single = Some(i);
                } else if !next_word {
                    if let Some(o) = open_single.take() {
                        out.push((o, i + c.len_utf8()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

pub(super) fn tokenize(
    text: &str,
    start: usize,
    end: usize,
    quotes: &[(usize, usize)],
) -> Vec<Tok> {
    let s = &text[start..end];
    let mut toks = Vec::with_capacity(s.len() / 5 + 1);
    let mut boundary = false;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_alphanumeric() {
            let mut w_end = i + c.len_utf8();
            while let Some(&(j, d)) = it.peek() {
                // Letters and digits, and apostrophes between them ("don't", "Sam's").
                let inner_apostrophe = || {
                    is_apostrophe(d)
                        && s[j + d.len_utf8()..]
                            .chars()
                            .next()
                            .is_some_and(char::is_alphanumeric)
                };
                if !(d.is_alphanumeric() || inner_apostrophe()) {
                    break;
                }
                w_end = j + d.len_utf8();
                it.next();
            }
            let (a, b) = (start + i, start + w_end);
            let quoted = quotes.iter().any(|&(qs, qe)| a > qs && b < qe);
            push_word(&s[i..w_end], a, b, quoted, boundary, &mut toks);
            boundary = false;
        } else if matches!(c, ',' | ';' | ':' | '—' | '–' | '(' | ')' | '…')
            || (c == '-' && s[..i].ends_with(' '))
        {
            boundary = true;
        }
    }
    toks
}

fn push_word(
    word: &str,
    start: usize,
    end: usize,
    quoted: bool,
    boundary: bool,
    out: &mut Vec<Tok>,
) {
    let mut norm = String::with_capacity(word.len());
    for c in word.chars() {
        if is_apostrophe(c) {
            norm.push('\'');
        } else {
            norm.extend(c.to_lowercase());
        }
    }
    let mut push = |w: &str, boundary: bool| {
        out.push(Tok {
            norm: w.to_string(),
            start,
            end,
            quoted,
            boundary,
        })
    };
    let pair: Option<(&str, &str)> = match norm.as_str() {
        "won't" => Some(("will", "not")),
        "can't" => Some(("can", "not")),
        "shan't" => Some(("shall", "not")),
        "ain't" => Some(("is", "not")),
        "let's" => Some(("let", "us")),
        "cannot" => Some(("can", "not")),
        "ok" => {
            push("okay", boundary);
            return;
        }
        "summarize" => {
            push("summarise", boundary);
            return;
        }
        _ => {
            if let Some(base) = norm.strip_suffix("n't") {
                Some((base, "not"))
            } else if let Some(base) = norm.strip_suffix("'re") {
                Some((base, "are"))
            } else if let Some(base) = norm.strip_suffix("'ve") {
                Some((base, "have"))
            } else if let Some(base) = norm.strip_suffix("'m") {
                Some((base, "am"))
            } else if let Some(base) = norm.strip_suffix("'ll") {
                Some((base, "will"))
            } else if let Some(base) = norm.strip_suffix("'d") {
                Some((base, "would"))
            } else if let Some(base) = norm.strip_suffix("'s") {
                if matches!(
                    base,
                    "it" | "that"
                        | "what"
                        | "there"
                        | "he"
                        | "she"
                        | "who"
                        | "here"
                        | "where"
                        | "how"
                        | "this"
                        | "everything"
                        | "nothing"
                        | "something"
                        | "everyone"
                        | "someone"
                        | "life"
                        | "today"
                ) {
                    Some((base, "is"))
                } else {
                    // Possessive: "brother's" → "brother".
                    push(base, boundary);
                    return;
                }
            } else {
                None
            }
        }
    };
    match pair {
        Some((a, b)) => {
            push(a, boundary);
            push(b, false);
        }
        None => push(&norm, boundary),
    }
}

pub(super) fn prev_is(toks: &[Tok], s: usize, words: &[&str]) -> bool {
    s > 0 && words.contains(&toks[s - 1].norm.as_str())
}
pub(super) fn next_is(toks: &[Tok], e: usize, words: &[&str]) -> bool {
    toks.get(e)
        .is_some_and(|t| words.contains(&t.norm.as_str()))
}
