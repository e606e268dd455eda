//! The rule-based half of the coach: active-listening markers (reflections, open and
//! closed questions, validation, summaries) and risks to trust (premature advice,
//! minimising, stigmatising wording), each with a span in the draft and a short,
//! concrete suggestion.
//!
//! How it works: the draft is split into sentences; each sentence is split into words
//! (lower-cased, curly apostrophes straightened, contractions expanded so that "it's"
//! matches "it is"), and small phrase patterns are matched on word boundaries. Words
//! inside quotation marks are the client's own words being quoted back and never match.
//! The rules lean towards precision: a coach that cries wolf is soon ignored.
//!
//! Spans are byte offsets into the draft, always on UTF-8 character boundaries. Markers
//! and premature advice cover the whole sentence; minimising and stigmatising findings
//! cover the words themselves.
//!
//! The rules are measured against a labelled set of therapist sentences in
//! `crates/coach/eval/` (see its README); `tests/rules.rs` reports precision and recall.

use crate::feedback::{Finding, FindingKind, Span};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FNV-1a: the keys are short words, for which SipHash is needlessly slow.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// Finds active-listening markers and risks to trust in `draft`, a therapist's reply to
/// `client_message` (which may be empty). Findings are ordered by position.
///
/// The client's message is used to recognise reflections that reuse the client's own
/// feeling words ("exhausted", "invisible") even without a stem like "It sounds like".
pub fn find(client_message: &str, draft: &str) -> Vec<Finding> {
    let t = tables();
    let client_words = client_feeling_words(t, client_message);
    let quotes = quote_regions(draft);
    let mut out = Vec::new();
    for (start, end) in sentence_bounds(draft) {
        let toks = tokenize(draft, start, end, &quotes);
        if toks.is_empty() {
            continue;
        }
        let sent = Sentence {
            span: Span { start, end },
            question: ends_with_question(&draft[start..end]),
            toks,
        };
        analyse(t, &sent, &client_words, &mut out);
    }
    out.sort_by_key(|f| (f.span.start, f.span.end, f.kind as u8));
    out
}

/// The sentences of `text` as byte spans (trimmed of surrounding white space), in order.
pub fn split_sentences(text: &str) -> Vec<Span> {
    sentence_bounds(text)
        .into_iter()
        .map(|(start, end)| Span { start, end })
        .collect()
}

/// The stigmatising-language table: (term, respectful alternative), for documentation
/// and the settings page.
pub fn stigmatising_terms() -> impl Iterator<Item = (&'static str, &'static str)> {
    STIGMA.iter().map(|s| (s.term, s.alternative))
}

// ---------------------------------------------------------------------------------------
// Suggestions.

const SUGGEST_OPEN: &str = "Good open question: it invites them to answer in their own words.";
const SUGGEST_CLOSED: &str = "Closed question: consider asking an open one instead, such as \"What has that been like for you?\", so they can answer in their own words.";
const SUGGEST_CLOSED_SAFETY: &str = "Asking directly about safety is good practice; follow it with an open question about what has been happening for them.";
const SUGGEST_REFLECTION: &str =
    "Good reflection: it shows you heard them. Leave room for them to correct it.";
const SUGGEST_VALIDATION: &str =
    "Good validation: it tells them their reaction makes sense given what happened.";
const SUGGEST_SUMMARY: &str =
    "Good summary: it shows you have kept track. Check it with them: \"Have I missed anything?\"";
const SUGGEST_ADVICE: &str = "Advice this early can feel like you haven't understood yet. Consider reflecting what they said or asking what they have already tried, and ask before offering ideas: \"Would it help to think through some options together?\"";
const SUGGEST_MIN_AT_LEAST: &str = "\"At least …\" can make their pain sound smaller than it is. Consider acknowledging it first: \"That sounds really hard.\"";
const SUGGEST_MIN_JUST: &str = "\"Just\" or \"only\" can make it sound small or easy. Consider naming how much it matters to them instead.";
const SUGGEST_MIN_FEEL: &str = "Telling them how to feel can sound dismissive. Consider acknowledging the feeling first: \"It makes sense that you're worried.\"";
const SUGGEST_MIN_COMPARE: &str = "This can sound as if their feelings don't count. Consider acknowledging how hard it is for them instead.";

// ---------------------------------------------------------------------------------------
// Word lists and phrase patterns. Patterns are words separated by spaces; "a|b" means
// either word, a trailing "?" makes a word optional (never the first), "*" is any word
// and "~ing" any word ending in -ing. Contractions are expanded before matching.

/// Discourse words skipped before looking at how a sentence starts.
#[rustfmt::skip]
const OPENERS: &[&str] = &[
    "so", "and", "but", "okay", "well", "oh", "alright", "right", "now", "also", "honestly",
    "hey", "hi", "yeah", "yes", "sure", "then", "hmm", "um", "ah", "anyway",
];
/// Also skipped before imperative advice ("Just try…", "Maybe go…").
#[rustfmt::skip]
const SOFTENERS: &[&str] = &[
    "just", "maybe", "perhaps", "please", "simply", "definitely", "really",
];
/// Also skipped before a reflection ("Of course you feel hurt", "No wonder you're tired").
const REFLECT_LEADS: &[&str] = &[
    "of course",
    "no wonder",
    "clearly",
    "understandably",
    "obviously",
    "naturally",
];

const OPEN_Q_HEAD: &[&str] = &[
    "what",
    "how",
    "why",
    "in what way|ways",
    "to what extent|degree",
    "can|could|would|will you please? tell me|us",
    "can|could|would|will you please? say more|a",
    "can|could|would|will you please? talk about|me",
    "can|could|would|will you please? describe|explain|expand|elaborate|unpack",
    "can|could|would|will you please? share more|a|what|how|some",
    "can|could|would|will you please? walk|take me",
    "can|could|would|will you please? help me understand",
    "tell me|us",
    "i am curious about|what|how|why",
    "i wonder what|how|why",
];
/// Open-question words that in fact ask for a single fact.
const OPEN_Q_NOT: &[&str] = &[
    "what time|day|date|year|age",
    "how many|much|often|long|old|far|soon|late|early",
    "why do not you",
    "why do you not",
    "why not",
    "tell me if|when|whether",
];
const OPEN_IMPERATIVE: &[&str] = &[
    "tell me|us more|about|what|how|why|whatever|everything|anything|a",
    "describe",
    "walk|talk|take me through",
    "help me understand|see",
    "say|share more|a",
    "i would love|like to hear|know more|about|what|how",
    "i am curious about|what|how|to",
    "i wonder what|how|whether|if",
];

const REFLECT_TENTATIVE: &[&str] = &[
    "it sounds|sounded like|as",
    "sounds like|as",
    "it seems|seemed",
    "it feels like|as",
    "you feel|felt like",
    "you are feeling",
];
/// Stems that open a reflection. "like a …" stems are checked further (see `analyse`).
const REFLECT_HEAD: &[&str] = &[
    "it sounds|sounded like|as",
    "sounds like|as",
    "that sounds like|as",
    "it seems|seemed",
    "it feels|felt like|as",
    "the hardest|worst|toughest|scariest|saddest part|thing for? you? is|was|seems",
    "you seem|sound|look",
    "you must feel|have",
    "you must be feeling",
    "i hear that|you|how|what|your|a|some|so",
    "i am hearing",
    "what i hear is",
    "what i am hearing is",
    "i get|have the sense|feeling",
    "i am getting the sense|feeling",
    "i sense",
    "i can hear|sense|tell",
    "i can see that|how you",
    "i can see that|how much",
    "i can see you",
    "i know that? you are|feel|were|felt",
    "you feel|felt",
    "you are|were feeling",
    "you have been feeling",
    "you really|also|still|clearly|obviously? want|wanted|wish|miss|missed|care|cared|love|loved|hate|fear|dread|worry|blame|regret|long|hope|resent|value|deserve",
    "part of you",
    "on one|the hand",
    "you are|were torn|wondering|unsure|struggling|grieving|hurting|carrying|juggling",
    "you are|were not sure",
    "you are|were trying to",
    "you have been carrying|holding|juggling|dealing|struggling|going|trying|living|fighting|grieving|hurting",
];
const FEEL_FREE_NOT: &[&str] = &["you feel free"];

const SUMMARY_ANY: &[&str] = &[
    "so far you have told|said|described|mentioned|shared",
    "to sum up",
    "summing up",
    "to summarise|summarize",
    "in summary",
    "let me summarise|summarize|recap",
    "to recap",
    "summary of where|what",
    "let me see if i have got|understood",
    "let me check that? i have got|understood",
    "let me reflect back",
    "putting|put|pull|pulling|bring|bringing it|this|that|everything|things all? together",
    "putting|put|pull|pulling|bring|bringing together",
    "if i put together",
    "in short|brief",
    "in a nutshell",
    "threads together",
    "main points|things|themes",
    "common thread|theme",
    "over the last|past few|couple? sessions",
];
/// Summary stems that also need a list ("… and …" plus a comma or colon).
const SUMMARY_LIST: &[&str] = &[
    "what i am hearing is",
    "what i hear is",
    "if i have understood|got",
    "if i understand",
    "from what you have shared|said|told|described",
    "you have told|mentioned|described|shared|talked|brought|raised",
    "today we have talked|covered|discussed|looked",
    "we have talked|covered|discussed about?",
];

const VALIDATION: &[&str] = &[
    "make|makes|made|making sense",
    "make|makes|made|making complete|total|perfect|real|good|absolute|such sense",
    "make|makes|made|making so|a|such|complete|total|perfect lot|much|good|complete|total of? sense",
    "understandable",
    "understandably",
    "it|that|this is|was|would completely|perfectly|totally|entirely|so|very|quite|only|really|be? natural|normal|human|okay|alright|fine|understandable to|that|if|for",
    "anyone|anybody would|could|might",
    "many|most|lots|plenty people would",
    "of course you",
    "of course it|that hurt|hurts|hurt|stung|matters|mattered",
    "no wonder",
    "are|is|feel|feels|were|was completely|totally|so|entirely|perfectly|absolutely|very? valid",
    "i can|could? see|understand|get why",
    "i can|could? see|understand how that|this|it",
    "i understand why|how",
    "you have every right",
    "would probably|also? feel the same",
    "you are|were not overreacting|crazy|wrong|weak|silly|stupid|mad|unreasonable|imagining|broken|alone|dramatic",
    "you are|were not being dramatic|silly|unreasonable|oversensitive",
    "you should not have to",
    "you do not deserve",
    "you are|were allowed to",
    "anyone|anybody|most|many in your|that|their position|shoes|situation|place",
    "a|an normal|natural|understandable|common|human|healthy response|reaction",
    "normal|natural|understandable|common|human|healthy response|reaction to",
    "nothing wrong with",
    "how hard|painful|difficult|awful|tough|frightening|lonely|scary that|this|it must",
    "what a hard|difficult|painful|tough|awful|horrible|frightening|scary|lot",
];
/// "That sounds …", "It must have been …" + a word for how hard it is.
const VALIDATION_HARD_STEM: &[&str] = &[
    "sounds|sounded",
    "must be|feel",
    "must have been|felt",
    "what a|an",
];
#[rustfmt::skip]
const HARD: &[&str] = &[
    "hard", "difficult", "painful", "tough", "frightening", "scary", "awful", "exhausting",
    "overwhelming", "lonely", "upsetting", "heartbreaking", "distressing", "stressful",
    "confusing", "hurtful", "terrifying", "isolating", "draining", "devastating", "rough",
    "horrible", "unbearable", "challenging", "traumatic", "harrowing", "heavy", "brutal",
    "unsettling", "disorienting", "sad", "frustrating", "infuriating", "maddening", "shocking",
    "lot", "hurt", "tiring", "miserable", "grim", "bewildering", "crushing",
];
#[rustfmt::skip]
const INTENSIFIERS: &[&str] = &[
    "really", "so", "very", "quite", "pretty", "incredibly", "truly", "genuinely", "absolutely",
    "completely", "totally", "utterly", "terribly", "awfully", "extremely", "deeply", "such",
    "a", "an", "bit", "little", "like", "also", "still", "just", "enormously", "unbelievably",
    "kind", "sort", "of", "rather", "fairly", "particularly", "especially",
];

/// Advice anywhere in a statement. Guards for "should", "must", "have to" in `analyse`.
const ADVICE_ANY: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? ought to",
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? have got to",
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? gotta",
    "why do not you",
    "i would|really? suggest|recommend|advise",
    "i suggest|recommend|advise",
    "my advice|suggestion|recommendation",
    "if i were you",
    "if i was you",
    "the best thing|approach|option|bet|idea|move|plan|strategy",
    "you could|might|can always|also? try",
    "maybe|perhaps you could|should|can|might",
    "you might want|like to",
    "it might|may|could|would|will really? help to|if",
    "it would be good|best|better|wise|helpful to|if|for",
    "what you need is",
    "what you need|have to do|try",
    "you would be better off",
    "you are better off",
    "just try",
];
const ADVICE_SHOULD: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? should",
];
const ADVICE_MUST: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? must",
];
const ADVICE_HAVE_TO: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? have|need to",
];
/// Paperwork, not advice: "you have to sign the consent form".
#[rustfmt::skip]
const ADMIN_VERBS: &[&str] = &[
    "fill", "sign", "complete", "register", "pay", "log", "submit", "upload", "arrive", "bring",
    "book", "confirm", "send", "cancel", "reschedule", "rebook", "reply", "check", "click",
    "download", "install", "update", "enter", "join",
];
/// Advice dressed as a question.
/// "Why don't you …?" is advice, not a question.
const ADVICE_WHY: &[&str] = &["why do not you", "why do you not", "why not"];
const ADVICE_QUESTION: &[&str] = &[
    "have you ever? tried|considered",
    "have you ever? thought about|of ~ing",
    "would not it be better|easier|best",
    "should not you",
    "do not you think you should|need|ought",
    "what if you tried|just",
    "can|could you not just",
    "could you just",
];
/// Imperatives that give advice when they open a statement.
#[rustfmt::skip]
const ADVICE_IMPERATIVE: &[&str] = &[
    "try", "make sure", "stop", "go", "get", "call", "talk to|with", "speak to|with", "avoid",
    "do not let", "focus on", "remember to", "cut", "quit", "leave",
    "tell him|her|them|your|someone|somebody", "ask him|her|them|your|for|someone|somebody",
    "write", "exercise", "drink", "eat", "sleep", "keep", "set", "start", "give yourself",
    "put", "delete", "block", "move on|out|away", "spend", "limit", "join", "download",
    "consider", "think about|positively", "let go|it", "breathe", "reach out", "book",
    "schedule", "practise|practice", "distract", "journal", "meditate", "use", "find", "take",
    "look into|for", "force yourself", "push yourself", "be more", "learn to", "stand up",
];
const ADVICE_IMPERATIVE_NOT: &[&str] = &[
    "take your|all time",
    "take as long|much",
    "take care",
    "get in touch",
    "get back to me|us",
    "keep in touch",
    "keep me|us",
    "go ahead",
    "start with|by",
    "find out",
];

const MIN_AT_LEAST: &str = "at least";
#[rustfmt::skip]
const MIN_AT_LEAST_NEXT: &[&str] = &[
    "you", "he", "she", "it", "they", "we", "i", "your", "his", "her", "their", "there", "that",
    "this", "nobody", "no", "someone", "somebody", "now", "my", "our", "these", "those",
    "things", "everyone",
];
const MIN_JUST: &[&str] = &[
    "it|that|this is|was just|only",
    "just a|an phase|blip|bad|bump|stage|rough|little|small|minor|one",
    "only a|an phase|blip|bad|bump|stage|rough|little|small|minor",
];
#[rustfmt::skip]
const MIN_JUST_NEXT_NOT: &[&str] = &[
    "me", "us", "you", "natural", "human", "fair", "normal", "right", "understandable", "my",
    "our", "to", "for", "as", "because", "what", "when", "then", "now", "started", "starting",
    "beginning", "the", "part", "in",
];
const MIN_FEEL: &[&str] = &[
    "do not stress|panic|fret|overthink|sweat",
    "you are|were probably|only|maybe|likely? just|only tired|stressed|overthinking|overreacting|imagining|hormonal|being|nervous|worried|anxious|paranoid|sensitive",
    "see|focus|look|think|count on|at|of? the|your positive|positives|blessings|good",
    "count your blessings",
    "just relax|chill|smile|ignore|forget|breathe",
    "just calm|cheer|toughen|man|lighten up|down",
    "just let it go",
    "just move on",
    "just get over",
    "just think positive|positively|happy",
    "just be positive|grateful|happy",
    "just stop worrying|thinking|overthinking",
    "just snap out",
    "do not worry",
    "stop worrying|overthinking|dwelling|stressing",
    "calm down",
    "cheer up",
    "chill out",
    "lighten up",
    "toughen up",
    "man up",
    "snap out of",
    "get over it|him|her|this|that",
    "think positive|positively",
    "try not to think|dwell|worry|dwelling|worrying",
    "you are overthinking|overreacting",
    "you are being dramatic|silly|oversensitive|paranoid",
    "you are too sensitive",
    "you are making a big|mountain",
    "no point in? getting|being|worrying|dwelling|crying|feeling|stressing|beating",
];
const MIN_COMPARE: &[&str] = &[
    "could|might be|have a? lot|much? worse",
    "could|might have been a? lot|much? worse",
    "look on the bright side",
    "bright side",
    "silver lining",
    "every cloud",
    "happens|happened for a reason",
    "not that|so bad",
    "not as bad as",
    "no big deal",
    "not a|such big deal",
    "not the end of the world",
    "others have|had it much|far|a|so? lot|much? worse|harder",
    "people have|had it much|far|a|so? lot|much? worse|harder",
    "people have|had it worse|harder",
    "all in your head",
    "time heals",
    "could always be worse",
    "not that|so serious|terrible|awful",
    "it is not like anyone|anybody|someone|somebody|you",
    "nobody died",
    "it is all good",
    "worse things happen",
];

/// Feeling words: reflections name them ("You're exhausted"), and a reply that reuses
/// the client's own feeling word is usually a reflection.
#[rustfmt::skip]
const FEELINGS: &[&str] = &[
    "angry", "sad", "anxious", "worried", "scared", "afraid", "frightened", "terrified",
    "frustrated", "exhausted", "tired", "drained", "overwhelmed", "hurt", "hurting", "lonely",
    "alone", "isolated", "stuck", "torn", "confused", "ashamed", "guilty", "hopeless",
    "helpless", "nervous", "upset", "disappointed", "relieved", "proud", "excited", "happy",
    "grieving", "heartbroken", "resentful", "jealous", "stressed", "numb", "lost", "trapped",
    "conflicted", "unsure", "uncertain", "panicked", "panicky", "embarrassed", "rejected",
    "betrayed", "unappreciated", "invisible", "unheard", "misunderstood", "furious", "annoyed",
    "irritated", "devastated", "depressed", "low", "empty", "abandoned", "unsupported", "burnt",
    "burned", "worn", "shaken", "shocked", "shock", "grief", "guilt", "shame", "fear", "anger",
    "sadness", "loneliness", "anxiety", "dread", "hopeful", "defeated", "discouraged",
    "demoralised", "demoralized", "bitter", "insecure", "vulnerable", "unsafe", "uneasy",
    "restless", "tense", "edge", "distressed", "miserable", "grateful", "touched", "hesitant",
    "reluctant", "ambivalent", "apprehensive", "dreading", "fragile", "raw", "desperate",
    "powerless", "worthless", "useless", "inadequate", "pressured", "stretched", "overloaded",
    "burdened", "unloved", "unwanted", "humiliated", "mortified", "bewildered", "calm",
    "content", "lighter", "regret", "sorrow", "despair", "frantic", "panic", "resentment",
    "jealousy", "envy", "overstretched", "unseen", "judged", "blamed", "pressure", "homesick",
    "heartsick", "shattered", "gutted", "livid", "crushed", "flat", "wired", "jittery",
    "disconnected", "detached", "unmotivated", "hurt",
];
const SECOND_PERSON: &[&str] = &["you", "your", "yours", "yourself"];
#[rustfmt::skip]
const NOT_FEELING_AFTER_FEEL: &[&str] = &[
    "like", "that", "as", "it", "this", "the", "a", "an", "to", "i", "you", "he", "she", "they",
    "we", "my", "about", "for", "when", "if", "so", "really", "very", "quite", "bit", "kind",
    "of", "sort", "completely", "totally", "and", "but", "is", "am", "are", "was", "not",
    "much", "more", "less", "too", "all", "way", "how", "what", "no", "nothing", "anything",
    "something", "everything", "me", "him", "her", "them", "us",
];

// ---------------------------------------------------------------------------------------
// Stigmatising terms.

type Guard = fn(&[Tok], usize, usize) -> bool;

struct Stigma {
    /// The term as shown in the table.
    term: &'static str,
    patterns: &'static [&'static str],
    alternative: &'static str,
    why: &'static str,
    guard: Guard,
}

const WHY_SUICIDE: &str = "\"commit\" ties suicide to crime, and \"successful\" or \"failed\" frames it as an achievement";
const WHY_PERSON_FIRST: &str = "person-first language puts the person before the condition";
const WHY_SLUR: &str = "mental-health words used as insults add to stigma; consider describing the experience or behaviour instead";
const WHY_TEST: &str =
    "\"clean\" and \"dirty\" suggest moral judgement; clinical wording is neutral";
const WHY_BEHAVIOUR: &str =
    "labels like this judge the person; describing what happened is more useful and less blaming";

fn always(_: &[Tok], _: usize, _: usize) -> bool {
    true
}
fn prev_is(toks: &[Tok], s: usize, words: &[&str]) -> bool {
    s > 0 && words.contains(&toks[s - 1].norm.as_str())
}
fn next_is(toks: &[Tok], e: usize, words: &[&str]) -> bool {
    toks.get(e)
        .is_some_and(|t| words.contains(&t.norm.as_str()))
}
#[rustfmt::skip]
const ADJ_INTENSIFIERS: &[&str] = &[
    "so", "very", "totally", "bit", "little", "super", "such", "really", "kinda", "completely",
    "too", "extremely", "slightly", "proper", "bloody", "literally", "quite", "pretty",
    "utterly", "absolutely", "mega", "well",
];
fn intensified(toks: &[Tok], s: usize, _e: usize) -> bool {
    prev_is(toks, s, ADJ_INTENSIFIERS)
}
fn alcoholic_guard(toks: &[Tok], _s: usize, e: usize) -> bool {
    !next_is(
        toks,
        e,
        &[
            "drink",
            "drinks",
            "beverage",
            "beverages",
            "content",
            "drinking",
            "beer",
            "spirits",
        ],
    )
}
fn nuts_guard(toks: &[Tok], s: usize, e: usize) -> bool {
    !next_is(toks, e, &["and", "or"])
        && !prev_is(
            toks,
            s,
            &[
                "tree", "pine", "eat", "eating", "ate", "allergic", "allergy", "of", "and",
                "salted", "roasted", "mixed", "some", "no", "to", "with", "the", "pea",
            ],
        )
}
fn mentally_ill_guard(toks: &[Tok], s: usize, _e: usize) -> bool {
    !prev_is(toks, s, &["the"])
}
fn borderline_guard(toks: &[Tok], s: usize, e: usize) -> bool {
    if toks[s].norm == "borderlines" {
        return true;
    }
    // "a total borderline." but not "a borderline personality" or "borderline anaemic".
    let next_ok = toks.get(e).is_none_or(|t| {
        t.boundary
            || matches!(
                t.norm.as_str(),
                "and" | "but" | "or" | "who" | "which" | "so" | "because" | "when" | "if" | "too"
            )
    });
    next_ok
        && prev_is(
            toks,
            s,
            &[
                "a", "such", "total", "the", "so", "being", "real", "complete", "typical",
                "classic", "proper", "bloody", "very", "is", "was", "totally", "another",
            ],
        )
}
fn schizophrenic_guard(toks: &[Tok], _s: usize, e: usize) -> bool {
    !next_is(toks, e, &["disorder", "symptoms", "spectrum"])
}

static STIGMA: &[Stigma] = &[
    Stigma {
        term: "committed suicide",
        patterns: &["committed suicide"],
        alternative: "died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "commit suicide",
        patterns: &["commit|commits|committing suicide"],
        alternative: "die by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "successful suicide",
        patterns: &["successful|completed suicide"],
        alternative: "died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "failed suicide attempt",
        patterns: &["failed|unsuccessful suicide attempt|attempts?"],
        alternative: "survived a suicide attempt",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "suicide victim",
        patterns: &["suicide victim|victims", "victim|victims of suicide"],
        alternative: "person who died by suicide",
        why: WHY_SUICIDE,
        guard: always,
    },
    Stigma {
        term: "addict",
        patterns: &["addict|addicts"],
        alternative: "person with a substance use disorder",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "junkie",
        patterns: &["junkie|junkies|druggie|druggies|crackhead|crackheads|stoner|stoners"],
        alternative: "person with a substance use disorder",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "alcoholic",
        patterns: &["alcoholic|alcoholics|drunks"],
        alternative: "person with an alcohol use disorder",
        why: WHY_PERSON_FIRST,
        guard: alcoholic_guard,
    },
    Stigma {
        term: "substance abuser",
        patterns: &["drug|substance|alcohol|drugs abuser|abusers"],
        alternative: "person who uses substances",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "substance abuse",
        patterns: &["drug|substance|drugs abuse"],
        alternative: "substance use",
        why:
            "\"abuse\" implies wilful wrongdoing; \"use\" or \"substance use disorder\" is neutral",
        guard: always,
    },
    Stigma {
        term: "clean (drug test)",
        patterns: &[
            "tested|testing|tests|test clean",
            "clean urine|drug|drugs|tox|test|tests|screen|screens|sample|samples",
        ],
        alternative: "tested negative",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "clean (not using)",
        patterns: &[
            "been|stayed|stay|staying|stays|got|get|getting|kept|remain|remained|remaining clean",
            "clean and sober",
            "clean time",
        ],
        alternative: "in recovery / not using",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "dirty (drug test)",
        patterns: &[
            "dirty urine|drug|drugs|tox|test|tests|screen|screens|sample|samples",
            "tested|testing|tests|test|came|come|coming dirty",
            "came|come back dirty",
        ],
        alternative: "tested positive",
        why: WHY_TEST,
        guard: always,
    },
    Stigma {
        term: "schizo",
        patterns: &["schizo|schizos"],
        alternative: "person with schizophrenia",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "a schizophrenic",
        patterns: &["a|the schizophrenic", "schizophrenics"],
        alternative: "person with schizophrenia",
        why: WHY_PERSON_FIRST,
        guard: schizophrenic_guard,
    },
    Stigma {
        term: "crazy",
        patterns: &["crazy|crazier|craziest"],
        alternative: "describe the experience (\"overwhelmed\", \"confused\", \"unusual\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "insane",
        patterns: &["insane"],
        alternative: "describe the experience (\"overwhelming\", \"hard to understand\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "psycho",
        patterns: &["psycho|psychos"],
        alternative: "describe the behaviour (\"frightening\", \"unpredictable\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "nuts",
        patterns: &["nuts"],
        alternative: "describe the experience (\"overwhelming\", \"exasperating\")",
        why: WHY_SLUR,
        guard: nuts_guard,
    },
    Stigma {
        term: "lunatic",
        patterns: &[
            "lunatic|lunatics|loony|loonies|nutcase|nutcases|nutter|nutters|maniac|maniacs",
        ],
        alternative: "describe the behaviour (\"reckless\", \"frightening\")",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "the mentally ill",
        patterns: &["the mentally ill"],
        alternative: "people with mental health conditions",
        why: WHY_PERSON_FIRST,
        guard: always,
    },
    Stigma {
        term: "mentally ill person",
        patterns: &["mentally ill"],
        alternative: "person with a mental health condition",
        why: WHY_PERSON_FIRST,
        guard: mentally_ill_guard,
    },
    Stigma {
        term: "suffers from",
        patterns: &["suffer|suffers|suffering|suffered from"],
        alternative: "lives with / has",
        why: "\"suffers from\" casts the person as a victim of their condition",
        guard: always,
    },
    Stigma {
        term: "OCD (as an adjective)",
        patterns: &["ocd"],
        alternative: "describe the behaviour (\"very particular about…\")",
        why: "using a diagnosis as a personality trait trivialises it",
        guard: intensified,
    },
    Stigma {
        term: "bipolar (as a mood adjective)",
        patterns: &["bipolar"],
        alternative: "describe the mood changes (\"up and down\", \"changeable\")",
        why: "using a diagnosis as a personality trait trivialises it",
        guard: intensified,
    },
    Stigma {
        term: "attention-seeking",
        patterns: &["attention seeking|seeker|seekers"],
        alternative: "reaching out for support",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "manipulative",
        patterns: &["manipulative"],
        alternative: "describe the behaviour and the need behind it",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "non-compliant",
        patterns: &["non compliant|compliance", "noncompliant|noncompliance"],
        alternative: "not taking the medication as prescribed",
        why: WHY_BEHAVIOUR,
        guard: always,
    },
    Stigma {
        term: "borderline (as an insult)",
        patterns: &["borderline|borderlines"],
        alternative: "person with borderline personality disorder",
        why: WHY_SLUR,
        guard: borderline_guard,
    },
    Stigma {
        term: "retarded",
        patterns: &["retarded|retard|retards"],
        alternative: "person with an intellectual disability",
        why: WHY_SLUR,
        guard: always,
    },
    Stigma {
        term: "special needs",
        patterns: &["special needs"],
        alternative: "disability / disabled",
        why: "disabled people's needs are not \"special\"; naming the disability is clearer",
        guard: always,
    },
];

// ---------------------------------------------------------------------------------------
// Compiled tables.

enum Atom {
    Words(Vec<&'static str>),
    Opt(Vec<&'static str>),
    Ing,
    Any,
}

type Pattern = Vec<Atom>;

fn compile(src: &'static str) -> Pattern {
    let atoms: Pattern = src
        .split_whitespace()
        .map(|w| match w {
            "*" => Atom::Any,
            "~ing" => Atom::Ing,
            _ => match w.strip_suffix('?') {
                Some(stem) => Atom::Opt(stem.split('|').collect()),
                None => Atom::Words(w.split('|').collect()),
            },
        })
        .collect();
    assert!(
        matches!(atoms.first(), Some(Atom::Words(_))),
        "pattern {src:?} must start with a word"
    );
    atoms
}

fn match_atoms(toks: &[Tok], i: usize, atoms: &[Atom]) -> Option<usize> {
    let Some((atom, rest)) = atoms.split_first() else {
        return Some(i);
    };
    let tok = toks.get(i).filter(|t| !t.quoted);
    match atom {
        Atom::Words(ws) => {
            let t = tok?;
            if ws.contains(&t.norm.as_str()) {
                match_atoms(toks, i + 1, rest)
            } else {
                None
            }
        }
        Atom::Opt(ws) => {
            if let Some(t) = tok {
                if ws.contains(&t.norm.as_str()) {
                    if let Some(e) = match_atoms(toks, i + 1, rest) {
                        return Some(e);
                    }
                }
            }
            match_atoms(toks, i, rest)
        }
        Atom::Ing => {
            let t = tok?;
            if t.norm.len() > 4 && t.norm.ends_with("ing") {
                match_atoms(toks, i + 1, rest)
            } else {
                None
            }
        }
        Atom::Any => {
            tok?;
            match_atoms(toks, i + 1, rest)
        }
    }
}

/// A set of patterns indexed by their first word.
struct PatSet {
    pats: Vec<Pattern>,
    by_first: FastMap<&'static str, Vec<usize>>,
}

impl PatSet {
    fn new(src: &[&'static str]) -> Self {
        let pats: Vec<Pattern> = src.iter().map(|s| compile(s)).collect();
        let mut by_first: FastMap<&'static str, Vec<usize>> = FastMap::default();
        for (i, p) in pats.iter().enumerate() {
            if let Some(Atom::Words(ws)) = p.first() {
                for w in ws {
                    by_first.entry(w).or_default().push(i);
                }
            }
        }
        PatSet { pats, by_first }
    }

    /// The first pattern matching at token `i`: (end, pattern index).
    fn at(&self, toks: &[Tok], i: usize) -> Option<(usize, usize)> {
        let t = toks.get(i)?;
        let cands = self.by_first.get(t.norm.as_str())?;
        cands
            .iter()
            .find_map(|&p| match_atoms(toks, i, &self.pats[p]).map(|e| (e, p)))
    }

    /// The first match anywhere for which `guard(start, end)` holds.
    fn find_where(
        &self,
        toks: &[Tok],
        guard: impl Fn(usize, usize) -> bool,
    ) -> Option<(usize, usize)> {
        (0..toks.len()).find_map(|i| {
            let cands = self.by_first.get(toks[i].norm.as_str())?;
            cands.iter().find_map(|&p| {
                match_atoms(toks, i, &self.pats[p])
                    .filter(|&e| guard(i, e))
                    .map(|e| (i, e))
            })
        })
    }

    /// Every pattern matching at token `i`: (end, pattern index).
    fn all_at<'a>(
        &'a self,
        toks: &'a [Tok],
        i: usize,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        toks.get(i)
            .and_then(|t| self.by_first.get(t.norm.as_str()))
            .into_iter()
            .flatten()
            .filter_map(move |&p| match_atoms(toks, i, &self.pats[p]).map(|e| (e, p)))
    }

    fn find(&self, toks: &[Tok]) -> Option<(usize, usize)> {
        self.find_where(toks, |_, _| true)
    }
}

struct Tables {
    openers: PatSet,
    softeners: FastSet<&'static str>,
    reflect_leads: PatSet,
    open_q_head: PatSet,
    open_q_not: PatSet,
    open_imperative: PatSet,
    reflect_tentative: PatSet,
    reflect_head: PatSet,
    feel_free: PatSet,
    summary_any: PatSet,
    summary_list: PatSet,
    validation: PatSet,
    validation_hard_stem: PatSet,
    hard: FastSet<&'static str>,
    intensifiers: FastSet<&'static str>,
    advice_any: PatSet,
    advice_should: PatSet,
    advice_must: PatSet,
    advice_have_to: PatSet,
    advice_question: PatSet,
    advice_why: PatSet,
    advice_imperative: PatSet,
    advice_imperative_not: PatSet,
    min_at_least: PatSet,
    min_at_least_next: FastSet<&'static str>,
    min_just: PatSet,
    min_just_next_not: FastSet<&'static str>,
    min_feel: PatSet,
    min_compare: PatSet,
    feelings: FastSet<&'static str>,
    /// Every stigmatising pattern, and the table entry each belongs to.
    stigma: PatSet,
    stigma_entry: Vec<usize>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        openers: PatSet::new(OPENERS),
        softeners: SOFTENERS.iter().copied().collect(),
        reflect_leads: PatSet::new(REFLECT_LEADS),
        open_q_head: PatSet::new(OPEN_Q_HEAD),
        open_q_not: PatSet::new(OPEN_Q_NOT),
        open_imperative: PatSet::new(OPEN_IMPERATIVE),
        reflect_tentative: PatSet::new(REFLECT_TENTATIVE),
        reflect_head: PatSet::new(REFLECT_HEAD),
        feel_free: PatSet::new(FEEL_FREE_NOT),
        summary_any: PatSet::new(SUMMARY_ANY),
        summary_list: PatSet::new(SUMMARY_LIST),
        validation: PatSet::new(VALIDATION),
        validation_hard_stem: PatSet::new(VALIDATION_HARD_STEM),
        hard: HARD.iter().copied().collect(),
        intensifiers: INTENSIFIERS.iter().copied().collect(),
        advice_any: PatSet::new(ADVICE_ANY),
        advice_should: PatSet::new(ADVICE_SHOULD),
        advice_must: PatSet::new(ADVICE_MUST),
        advice_have_to: PatSet::new(ADVICE_HAVE_TO),
        advice_question: PatSet::new(ADVICE_QUESTION),
        advice_why: PatSet::new(ADVICE_WHY),
        advice_imperative: PatSet::new(ADVICE_IMPERATIVE),
        advice_imperative_not: PatSet::new(ADVICE_IMPERATIVE_NOT),
        min_at_least: PatSet::new(&[MIN_AT_LEAST]),
        min_at_least_next: MIN_AT_LEAST_NEXT.iter().copied().collect(),
        min_just: PatSet::new(MIN_JUST),
        min_just_next_not: MIN_JUST_NEXT_NOT.iter().copied().collect(),
        min_feel: PatSet::new(MIN_FEEL),
        min_compare: PatSet::new(MIN_COMPARE),
        feelings: FEELINGS.iter().copied().collect(),
        stigma: PatSet::new(
            &STIGMA
                .iter()
                .flat_map(|s| s.patterns.iter().copied())
                .collect::<Vec<_>>(),
        ),
        stigma_entry: STIGMA
            .iter()
            .enumerate()
            .flat_map(|(n, s)| std::iter::repeat_n(n, s.patterns.len()))
            .collect(),
    })
}

// ---------------------------------------------------------------------------------------
// Text handling.

/// A word of the draft, normalised, with its byte span. Contractions become two tokens
/// sharing one span ("it's" → "it", "is").
#[derive(Debug, Clone)]
struct Tok {
    norm: String,
    start: usize,
    end: usize,
    /// Inside quotation marks: the client's words quoted back.
    quoted: bool,
    /// A clause boundary (comma, colon, dash, bracket) comes just before this word.
    boundary: bool,
}

struct Sentence {
    span: Span,
    question: bool,
    toks: Vec<Tok>,
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
fn sentence_bounds(text: &str) -> Vec<(usize, usize)> {
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

fn ends_with_question(sentence: &str) -> bool {
    sentence
        .chars()
        .rev()
        .find(|c| c.is_alphanumeric() || matches!(c, '.' | '!' | '?' | '…'))
        == Some('?')
}

/// Byte ranges inside quotation marks: "…", “…”, ‘…’ and '…' (a straight single quote
/// opens only before a word and closes only after one, so apostrophes are left alone).
fn quote_regions(text: &str) -> Vec<(usize, usize)> {
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

fn tokenize(text: &str, start: usize, end: usize, quotes: &[(usize, usize)]) -> Vec<Tok> {
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

// ---------------------------------------------------------------------------------------
// The rules.

/// The first token after discourse openers ("So, okay, …").
fn skip_openers(t: &Tables, toks: &[Tok], mut i: usize) -> usize {
    while let Some((e, _)) = t.openers.at(toks, i) {
        if e >= toks.len() {
            break;
        }
        i = e;
    }
    i
}

fn finding(kind: FindingKind, span: Span, suggestion: &str) -> Finding {
    Finding {
        kind,
        span,
        suggestion: suggestion.to_string(),
        alternative: None,
    }
}

fn tok_span(toks: &[Tok], s: usize, e: usize) -> Span {
    Span {
        start: toks[s].start,
        end: toks[e - 1].end,
    }
}

fn analyse(t: &Tables, sent: &Sentence, client_words: &HashSet<String>, out: &mut Vec<Finding>) {
    let toks = &sent.toks;
    let q = sent.question;
    let head = skip_openers(t, toks, 0);
    let whole = sent.span;

    // Summaries come first: a summary is not also counted as a reflection.
    let summary = !q && is_summary(t, toks);
    if summary {
        out.push(finding(FindingKind::Summary, whole, SUGGEST_SUMMARY));
    }

    // Questions.
    let why_advice =
        q && (t.advice_why.at(toks, head).is_some() || imperative_advice(t, toks, head));
    let tentative = q && t.reflect_tentative.at(toks, head).is_some();
    let open = if q {
        !why_advice && is_open_question(t, toks, head)
    } else {
        t.open_imperative.at(toks, head).is_some()
    };
    if open {
        out.push(finding(FindingKind::OpenQuestion, whole, SUGGEST_OPEN));
    } else if q && !why_advice && !tentative {
        let safety = toks.iter().any(|w| {
            matches!(
                w.norm.as_str(),
                "suicide"
                    | "suicidal"
                    | "safe"
                    | "kill"
                    | "harm"
                    | "hurting"
                    | "ending"
                    | "overdose"
            )
        });
        let s = if safety {
            SUGGEST_CLOSED_SAFETY
        } else {
            SUGGEST_CLOSED
        };
        out.push(finding(FindingKind::ClosedQuestion, whole, s));
    }

    // Reflections.
    if !summary && (!q || tentative) {
        if let Some(s) = reflection(t, toks, head, client_words) {
            out.push(finding(FindingKind::Reflection, whole, &s));
        }
    }

    // Validation.
    if !q && is_validation(t, toks) {
        out.push(finding(FindingKind::Validation, whole, SUGGEST_VALIDATION));
    }

    // Premature advice.
    let advice = if q {
        why_advice || t.advice_question.find(toks).is_some()
    } else {
        is_advice_statement(t, toks, head)
    };
    if advice {
        out.push(finding(FindingKind::PrematureAdvice, whole, SUGGEST_ADVICE));
    }

    // Minimising: one finding per sentence, on the words themselves.
    if let Some((s, e, sugg)) = minimising(t, toks) {
        out.push(finding(FindingKind::Minimising, tok_span(toks, s, e), sugg));
    }

    // Stigmatising wording: every occurrence, longest pattern first at each word.
    let mut i = 0;
    while i < toks.len() {
        let hit = t.stigma.all_at(toks, i).filter_map(|(e, p)| {
            let entry = &STIGMA[t.stigma_entry[p]];
            (entry.guard)(toks, i, e).then_some((e, entry))
        });
        match hit.max_by_key(|&(e, _)| e) {
            Some((e, entry)) => {
                out.push(Finding {
                    kind: FindingKind::Stigmatising,
                    span: tok_span(toks, i, e),
                    suggestion: format!(
                        "Consider \"{}\" instead: {}.",
                        entry.alternative, entry.why
                    ),
                    alternative: Some(entry.alternative.to_string()),
                });
                i = e;
            }
            None => i += 1,
        }
    }
}

fn is_open_question(t: &Tables, toks: &[Tok], head: usize) -> bool {
    let open_at = |i: usize| {
        !toks[i].quoted && t.open_q_head.at(toks, i).is_some() && t.open_q_not.at(toks, i).is_none()
    };
    if head < toks.len() && open_at(head) {
        return true;
    }
    // "When you said …, what did that feel like?"; "I'm curious, how …?"
    (head + 1..toks.len()).any(|i| toks[i].boundary && open_at(skip_openers(t, toks, i)))
}

fn is_summary(t: &Tables, toks: &[Tok]) -> bool {
    if t.summary_any.find(toks).is_some() {
        return true;
    }
    let Some((s, e)) = t.summary_list.find(toks) else {
        return false;
    };
    let and_after = toks[e..].iter().any(|w| w.norm == "and");
    if !and_after {
        return false;
    }
    // "What I'm hearing is … and …" is enough; other stems need a list.
    let hearing = toks[s].norm == "what";
    hearing || toks[s + 1..].iter().any(|w| w.boundary)
}

fn reflection(
    t: &Tables,
    toks: &[Tok],
    head: usize,
    client_words: &HashSet<String>,
) -> Option<String> {
    let mut h = head;
    if let Some((e, _)) = t.reflect_leads.at(toks, h) {
        h = e;
    }
    if let Some((e, _)) = t.reflect_head.at(toks, h) {
        if t.feel_free.at(toks, h).is_some() {
            return None;
        }
        // "I hear you." on its own acknowledges; it does not reflect anything.
        if e >= toks.len() && toks[h].norm == "i" {
            return None;
        }
        // "It sounds like a good plan" is not a reflection; "It sounds like a real shock" is.
        let stem_like = toks[e - 1].norm == "like" && toks[h].norm != "you";
        let article = next_is(toks, e, &["a", "an"]);
        if stem_like && article {
            let personal = toks[e..].iter().any(|w| {
                SECOND_PERSON.contains(&w.norm.as_str()) || t.feelings.contains(w.norm.as_str())
            });
            if !personal {
                return None;
            }
        }
        return Some(SUGGEST_REFLECTION.to_string());
    }
    // "You're exhausted", "You were so scared".
    if you_are_feeling(t, toks, h).is_some() {
        return Some(SUGGEST_REFLECTION.to_string());
    }
    // Reusing the client's own feeling word, addressed to them.
    if !client_words.is_empty()
        && toks
            .iter()
            .any(|w| SECOND_PERSON.contains(&w.norm.as_str()))
    {
        let advice = is_advice_statement(t, toks, head);
        if let Some(w) = toks
            .iter()
            .find(|w| !w.quoted && client_words.contains(w.norm.as_str()))
        {
            if !advice {
                return Some(format!(
                    "Good reflection: using their own word \"{}\" shows you heard them.",
                    w.norm
                ));
            }
        }
    }
    None
}

/// "you are|were|have been" + intensifiers + a feeling word, at token `h`.
fn you_are_feeling(t: &Tables, toks: &[Tok], h: usize) -> Option<usize> {
    let w = |i: usize| toks.get(i).map(|t| t.norm.as_str());
    if w(h)? != "you" {
        return None;
    }
    let mut i = h + 1;
    match w(i)? {
        "are" | "were" => i += 1,
        "have" if w(i + 1)? == "been" => i += 2,
        _ => return None,
    }
    while let Some(x) = w(i) {
        if t.feelings.contains(x) && !toks[i].quoted {
            return Some(i);
        }
        if t.intensifiers.contains(x) || matches!(x, "feeling" | "getting" | "on") {
            i += 1;
        } else {
            return None;
        }
    }
    None
}

fn is_validation(t: &Tables, toks: &[Tok]) -> bool {
    let found = t.validation.find_where(toks, |s, _| {
        // "doesn't make sense" is not validation.
        !(toks[s].norm.starts_with("mak") && prev_is(toks, s, &["not", "never"]))
    });
    if found.is_some() {
        return true;
    }
    // "That sounds really painful", "It must have been frightening".
    t.validation_hard_stem
        .find_where(toks, |_, e| {
            let mut i = e;
            while let Some(w) = toks.get(i) {
                if t.hard.contains(w.norm.as_str()) {
                    return true;
                }
                if t.intensifiers.contains(w.norm.as_str()) {
                    i += 1;
                } else {
                    return false;
                }
            }
            false
        })
        .is_some()
}

fn is_advice_statement(t: &Tables, toks: &[Tok], head: usize) -> bool {
    if t.advice_any.find(toks).is_some() {
        return true;
    }
    let should = t.advice_should.find_where(toks, |_, e| {
        // "You should know I'm here", "you should be proud", "you shouldn't have to".
        !(next_is(toks, e, &["know", "have"])
            || (next_is(toks, e, &["be", "feel"]) && next_is(toks, e + 1, &["proud"]))
            || (next_is(toks, e, &["not"]) && next_is(toks, e + 1, &["have", "need"])))
    });
    if should.is_some() {
        return true;
    }
    // "Don't reply tonight", but not "Don't worry" (minimising) or "Don't hesitate".
    if toks.get(head).is_some_and(|w| w.norm == "do")
        && next_is(toks, head + 1, &["not"])
        && toks.get(head + 2).is_some_and(|w| {
            !matches!(
                w.norm.as_str(),
                "worry"
                    | "hesitate"
                    | "have"
                    | "need"
                    | "feel"
                    | "be"
                    | "apologise"
                    | "apologize"
                    | "mind"
                    | "know"
                    | "think"
                    | "stress"
                    | "panic"
                    | "fret"
                    | "you"
            )
        })
    {
        return true;
    }
    // "You must be exhausted" is a reflection, not an order.
    let must = t.advice_must.find_where(toks, |_, e| {
        !next_is(toks, e, &["feel", "be", "have", "know", "not"])
    });
    if must.is_some() {
        return true;
    }
    // "…everything that you have to deal with" describes, it doesn't direct.
    // "Let me know if you need to reschedule" is conditional; "you have to sign" is admin.
    let have_to = t.advice_have_to.find_where(toks, |s, e| {
        !prev_is(
            toks,
            s,
            &[
                "that",
                "what",
                "all",
                "everything",
                "things",
                "thing",
                "much",
                "lot",
                "feel",
                "like",
                "if",
                "when",
                "whether",
                "unless",
                "whenever",
                "anything",
                "whatever",
            ],
        ) && !next_is(toks, e, ADMIN_VERBS)
    });
    if have_to.is_some() {
        return true;
    }
    imperative_advice(t, toks, head)
}

/// Imperatives that open a sentence: "Try to…", "Make sure…", "Just go for a walk".
fn imperative_advice(t: &Tables, toks: &[Tok], head: usize) -> bool {
    let mut i = head;
    while toks
        .get(i)
        .is_some_and(|w| t.softeners.contains(w.norm.as_str()))
    {
        i += 1;
    }
    if let Some((e, _)) = t.advice_imperative.at(toks, i) {
        let excluded = t.advice_imperative_not.at(toks, i).is_some();
        let to_me = next_is(toks, e, &["me", "us"]);
        return !excluded && !to_me;
    }
    false
}

fn minimising(t: &Tables, toks: &[Tok]) -> Option<(usize, usize, &'static str)> {
    // "At least you tried", "at least the kids are okay" — a clause, not a quantity
    // ("at least once a week", "at least the parts you want to share").
    let at_least = t.min_at_least.find_where(toks, |_, e| {
        let Some(next) = toks.get(e) else {
            return false;
        };
        if t.min_at_least_next.contains(next.norm.as_str()) {
            return true;
        }
        matches!(next.norm.as_str(), "the" | "a" | "an")
            && toks[e + 1..].iter().take(4).any(|w| {
                matches!(
                    w.norm.as_str(),
                    "is" | "are"
                        | "was"
                        | "were"
                        | "has"
                        | "have"
                        | "had"
                        | "did"
                        | "does"
                        | "can"
                        | "could"
                        | "will"
                        | "would"
                        | "got"
                )
            })
    });
    if let Some((s, e)) = at_least {
        return Some((s, e, SUGGEST_MIN_AT_LEAST));
    }
    if let Some((s, e)) = t.min_just.find_where(toks, |_, e| {
        toks.get(e)
            .is_some_and(|w| !t.min_just_next_not.contains(w.norm.as_str()))
    }) {
        return Some((s, e, SUGGEST_MIN_JUST));
    }
    if let Some((s, e)) = t.min_feel.find_where(toks, |s, e| {
        !(toks[s].norm == "do" && next_is(toks, e, &["if"]))
    }) {
        return Some((s, e, SUGGEST_MIN_FEEL));
    }
    if let Some((s, e)) = t.min_compare.find(toks) {
        return Some((s, e, SUGGEST_MIN_COMPARE));
    }
    // "There are people dealing with far worse."
    let worse = toks.iter().position(|w| w.norm == "worse" && !w.quoted)?;
    let from = worse.saturating_sub(5);
    let who = (from..worse).find(|&i| {
        matches!(
            toks[i].norm.as_str(),
            "people" | "others" | "someone" | "somebody" | "plenty" | "lots" | "many"
        )
    })?;
    Some((who, worse + 1, SUGGEST_MIN_COMPARE))
}

/// Feeling words in the client's message: known feeling words, and the word after
/// "I feel / I'm feeling / I felt".
fn client_feeling_words(t: &Tables, client_message: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    if client_message.trim().is_empty() {
        return out;
    }
    let toks = tokenize(client_message, 0, client_message.len(), &[]);
    for (i, w) in toks.iter().enumerate() {
        if t.feelings.contains(w.norm.as_str()) {
            out.insert(w.norm.clone());
        }
        if matches!(w.norm.as_str(), "feel" | "feeling" | "felt") {
            let mut j = i + 1;
            while toks
                .get(j)
                .is_some_and(|x| t.intensifiers.contains(x.norm.as_str()) && x.norm != "like")
            {
                j += 1;
            }
            if let Some(x) = toks.get(j) {
                if !NOT_FEELING_AFTER_FEEL.contains(&x.norm.as_str())
                    && x.norm.chars().all(char::is_alphabetic)
                    && x.norm.len() > 2
                {
                    out.insert(x.norm.clone());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(draft: &str) -> Vec<FindingKind> {
        find("", draft).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn contractions_expand() {
        let q = quote_regions("");
        let text = "It's ok, you’re fine";
        let toks = tokenize(text, 0, text.len(), &q);
        let words: Vec<&str> = toks.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(words, ["it", "is", "okay", "you", "are", "fine"]);
    }

    #[test]
    fn sentences_split_on_terminators_not_abbreviations() {
        let text = "I'll be away. Dr. Patel will cover! Okay?\nSee you";
        let got: Vec<&str> = split_sentences(text)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect();
        assert_eq!(
            got,
            ["I'll be away.", "Dr. Patel will cover!", "Okay?", "See you"]
        );
    }

    #[test]
    fn quoted_words_do_not_count() {
        assert!(!kinds("You said you felt \"crazy\" then.").contains(&FindingKind::Stigmatising));
        assert!(!kinds("You said 'I should just get over it' to her.")
            .contains(&FindingKind::Minimising));
        assert!(kinds("You're not crazy.").contains(&FindingKind::Stigmatising));
    }

    #[test]
    fn table_has_enough_terms() {
        assert!(stigmatising_terms().count() >= 20);
    }
}
