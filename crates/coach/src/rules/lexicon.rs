//! The word lists and phrase patterns the rules match, and the suggestion shown with
//! each finding: the data of the rules, kept apart so they can be tuned on their own.

// ---------------------------------------------------------------------------------------
// Suggestions.

pub(super) const SUGGEST_OPEN: &str =
    "Good open question: it invites them to answer in their own words.";
pub(super) const SUGGEST_CLOSED: &str = "Closed question: consider asking an open one instead, such as \"What has that been like for you?\", so they can answer in their own words.";
pub(super) const SUGGEST_CLOSED_SAFETY: &str = "Asking directly about safety is good practice; follow it with an open question about what has been happening for them.";
pub(super) const SUGGEST_REFLECTION: &str =
    "Good reflection: it shows you heard them. Leave room for them to correct it.";
pub(super) const SUGGEST_VALIDATION: &str =
    "Good validation: it tells them their reaction makes sense given what happened.";
pub(super) const SUGGEST_SUMMARY: &str =
    "Good summary: it shows you have kept track. Check it with them: \"Have I missed anything?\"";
pub(super) const SUGGEST_ADVICE: &str = "Advice this early can feel like you haven't understood yet. Consider reflecting what they said or asking what they have already tried, and ask before offering ideas: \"Would it help to think through some options together?\"";
pub(super) const SUGGEST_MIN_AT_LEAST: &str = "\"At least …\" can make their pain sound smaller than it is. Consider acknowledging it first: \"That sounds really hard.\"";
pub(super) const SUGGEST_MIN_JUST: &str = "\"Just\" or \"only\" can make it sound small or easy. Consider naming how much it matters to them instead.";
pub(super) const SUGGEST_MIN_FEEL: &str = "Telling them how to feel can sound dismissive. Consider acknowledging the feeling first: \"It makes sense that you're worried.\"";
pub(super) const SUGGEST_MIN_COMPARE: &str = "This can sound as if their feelings don't count. Consider acknowledging how hard it is for them instead.";

// ---------------------------------------------------------------------------------------
// Word lists and phrase patterns. Patterns are words separated by spaces; "a|b" means
// either word, a trailing "?" makes a word optional (never the first), "*" is any word
// and "~ing" any word ending in -ing. Contractions are expanded before matching.

/// Discourse words skipped before looking at how a sentence starts.
#[rustfmt::skip]
pub(super) const OPENERS: &[&str] = &[
    "so", "and", "but", "okay", "well", "oh", "alright", "right", "now", "also", "honestly",
    "hey", "hi", "yeah", "yes", "sure", "then", "hmm", "um", "ah", "anyway",
];
/// Also skipped before imperative advice ("Just try…", "Maybe go…").
#[rustfmt::skip]
pub(super) const SOFTENERS: &[&str] = &[
    "just", "maybe", "perhaps", "please", "simply", "definitely", "really",
];
/// Also skipped before a reflection ("Of course you feel hurt", "No wonder you're tired").
pub(super) const REFLECT_LEADS: &[&str] = &[
    "of course",
    "no wonder",
    "clearly",
    "understandably",
    "obviously",
    "naturally",
];

pub(super) const OPEN_Q_HEAD: &[&str] = &[
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
pub(super) const OPEN_Q_NOT: &[&str] = &[
    "what time|day|date|year|age",
    "how many|much|often|long|old|far|soon|late|early",
    "why do not you",
    "why do you not",
    "why not",
    "tell me if|when|whether",
];
pub(super) const OPEN_IMPERATIVE: &[&str] = &[
    "tell me|us more|about|what|how|why|whatever|everything|anything|a",
    "describe",
    "walk|talk|take me through",
    "help me understand|see",
    "say|share more|a",
    "i would love|like to hear|know more|about|what|how",
    "i am curious about|what|how|to",
    "i wonder what|how|whether|if",
];

pub(super) const REFLECT_TENTATIVE: &[&str] = &[
    "it sounds|sounded like|as",
    "sounds like|as",
    "it seems|seemed",
    "it feels like|as",
    "you feel|felt like",
    "you are feeling",
];
/// Stems that open a reflection. "like a …" stems are checked further (see `analyse`).
pub(super) const REFLECT_HEAD: &[&str] = &[
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
pub(super) const FEEL_FREE_NOT: &[&str] = &["you feel free"];

pub(super) const SUMMARY_ANY: &[&str] = &[
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
pub(super) const SUMMARY_LIST: &[&str] = &[
    "what i am hearing is",
    "what i hear is",
    "if i have understood|got",
    "if i understand",
    "from what you have shared|said|told|described",
    "you have told|mentioned|described|shared|talked|brought|raised",
    "today we have talked|covered|discussed|looked",
    "we have talked|covered|discussed about?",
];

pub(super) const VALIDATION: &[&str] = &[
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
pub(super) const VALIDATION_HARD_STEM: &[&str] = &[
    "sounds|sounded",
    "must be|feel",
    "must have been|felt",
    "what a|an",
];
#[rustfmt::skip]
pub(super) const HARD: &[&str] = &[
    "hard", "difficult", "painful", "tough", "frightening", "scary", "awful", "exhausting",
    "overwhelming", "lonely", "upsetting", "heartbreaking", "distressing", "stressful",
    "confusing", "hurtful", "terrifying", "isolating", "draining", "devastating", "rough",
    "horrible", "unbearable", "challenging", "traumatic", "harrowing", "heavy", "brutal",
    "unsettling", "disorienting", "sad", "frustrating", "infuriating", "maddening", "shocking",
    "lot", "hurt", "tiring", "miserable", "grim", "bewildering", "crushing",
];
#[rustfmt::skip]
pub(super) const INTENSIFIERS: &[&str] = &[
    "really", "so", "very", "quite", "pretty", "incredibly", "truly", "genuinely", "absolutely",
    "completely", "totally", "utterly", "terribly", "awfully", "extremely", "deeply", "such",
    "a", "an", "bit", "little", "like", "also", "still", "just", "enormously", "unbelievably",
    "kind", "sort", "of", "rather", "fairly", "particularly", "especially",
];

/// Advice anywhere in a statement. Guards for "should", "must", "have to" in `analyse`.
pub(super) const ADVICE_ANY: &[&str] = &[
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
pub(super) const ADVICE_SHOULD: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? should",
];
pub(super) const ADVICE_MUST: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? must",
];
pub(super) const ADVICE_HAVE_TO: &[&str] = &[
    "you really|just|definitely|probably|honestly|seriously|absolutely|still|also|simply|totally|clearly|obviously? have|need to",
];
/// Paperwork, not advice: "you have to sign the consent form".
#[rustfmt::skip]
pub(super) const ADMIN_VERBS: &[&str] = &[
    "fill", "sign", "complete", "register", "pay", "log", "submit", "upload", "arrive", "bring",
    "book", "confirm", "send", "cancel", "reschedule", "rebook", "reply", "check", "click",
    "download", "install", "update", "enter", "join",
];
/// Advice dressed as a question.
/// "Why don't you …?" is advice, not a question.
pub(super) const ADVICE_WHY: &[&str] = &["why do not you", "why do you not", "why not"];
pub(super) const ADVICE_QUESTION: &[&str] = &[
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
pub(super) const ADVICE_IMPERATIVE: &[&str] = &[
    "try", "make sure", "stop", "go", "get", "call", "talk to|with", "speak to|with", "avoid",
    "do not let", "focus on", "remember to", "cut", "quit", "leave",
    "tell him|her|them|your|someone|somebody", "ask him|her|them|your|for|someone|somebody",
    "write", "exercise", "drink", "eat", "sleep", "keep", "set", "start", "give yourself",
    "put", "delete", "block", "move on|out|away", "spend", "limit", "join", "download",
    "consider", "think about|positively", "let go|it", "breathe", "reach out", "book",
    "schedule", "practise|practice", "distract", "journal", "meditate", "use", "find", "take",
    "look into|for", "force yourself", "push yourself", "be more", "learn to", "stand up",
];
pub(super) const ADVICE_IMPERATIVE_NOT: &[&str] = &[
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

pub(super) const MIN_AT_LEAST: &str = "at least";
#[rustfmt::skip]
pub(super) const MIN_AT_LEAST_NEXT: &[&str] = &[
    "you", "he", "she", "it", "they", "we", "i", "your", "his", "her", "their", "there", "that",
    "this", "nobody", "no", "someone", "somebody", "now", "my", "our", "these", "those",
    "things", "everyone",
];
pub(super) const MIN_JUST: &[&str] = &[
    "it|that|this is|was just|only",
    "just a|an phase|blip|bad|bump|stage|rough|little|small|minor|one",
    "only a|an phase|blip|bad|bump|stage|rough|little|small|minor",
];
#[rustfmt::skip]
pub(super) const MIN_JUST_NEXT_NOT: &[&str] = &[
    "me", "us", "you", "natural", "human", "fair", "normal", "right", "understandable", "my",
    "our", "to", "for", "as", "because", "what", "when", "then", "now", "started", "starting",
    "beginning", "the", "part", "in",
];
pub(super) const MIN_FEEL: &[&str] = &[
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
pub(super) const MIN_COMPARE: &[&str] = &[
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
pub(super) const FEELINGS: &[&str] = &[
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
pub(super) const SECOND_PERSON: &[&str] = &["you", "your", "yours", "yourself"];
#[rustfmt::skip]
pub(super) const NOT_FEELING_AFTER_FEEL: &[&str] = &[
    "like", "that", "as", "it", "this", "the", "a", "an", "to", "i", "you", "he", "she", "they",
    "we", "my", "about", "for", "when", "if", "so", "really", "very", "quite", "bit", "kind",
    "of", "sort", "completely", "totally", "and", "but", "is", "am", "are", "was", "not",
    "much", "more", "less", "too", "all", "way", "how", "what", "no", "nothing", "anything",
    "something", "everything", "me", "him", "her", "them", "us",
];
