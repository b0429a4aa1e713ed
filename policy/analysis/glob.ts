// IAM's glob language (`*` = any run of characters, `?` = exactly one) and the questions the rules ask of it.
//
// Matching one pattern against one concrete string (is `iam:P?ssRole` a match for `iam:passrole`?) is a
// dynamic programme over (pattern position, text position): O(|pattern| * |text|), no backtracking.
//
// Coverage questions ("does this Resource list cover every role ARN?", "do these actions cover all of
// iam:*?") are about languages, not strings, and string comparison gets them wrong in both directions
// (`arn:*:iam::*:*` covers every role, `arn:aws:iam::*:role/deploy-*` does not). We decide them by
// language containment with automata: each pattern is an NFA whose states are positions in the pattern;
// the union of a statement's patterns is determinised lazily (subset construction) while we walk the
// target's own NFA in lockstep. A target word that reaches an accepting target state while the pattern
// subset holds no accepting position is a counterexample. The automata can only tell apart characters
// that occur literally in some pattern or target, so the alphabet is those characters plus one stand-in
// for "any other character". Exploration is capped (per question and per document); past the cap the
// answer is `undefined` (undecided) and callers fail closed.

/** A compiled glob: character codes (>= 0) and wildcard codes (< 0). */
export type GlobTokens = readonly number[];

const ANY_CHAR = -1; // `?`
const ANY_STRING = -2; // `*`
const SEGMENT_CHAR = -3; // one character other than `:` (targets only)
const SEGMENT_STRING = -4; // any run without `:` (targets only)
const COLON = 58;
const OTHER_CHAR = -100; // stands for every character that appears in no pattern or target

/**
 * Work allowed for one coverage question, in units of (state visited + pattern positions stepped per
 * character): a few tens of milliseconds at most. Real IAM patterns need a few hundred units.
 */
export const MAX_WORK_PER_QUESTION = 1_000_000;

// Work shared by every question asked inside `withWorkBudget`, so a document of thousands of crafted
// statements is bounded as a whole, not only question by question.
let sharedBudget: { left: number } | undefined;

/** Runs `analyse` with at most `units` of coverage work in total; past that, questions are undecided. */
export function withWorkBudget<T>(units: number, analyse: () => T): T {
    const previous = sharedBudget;
    sharedBudget = { left: units };
    try {
        return analyse();
    } finally {
        sharedBudget = previous;
    }
}

/** Compiles an IAM pattern: `*` and `?` are wildcards, every other character is literal. */
export function compileGlob(pattern: string): GlobTokens {
    const tokens: number[] = [];
    for (let i = 0; i < pattern.length; i++) {
        const code = pattern.charCodeAt(i);
        if (code === 42) {
            if (tokens[tokens.length - 1] !== ANY_STRING) {
                tokens.push(ANY_STRING);
            }
        } else if (code === 63) {
            tokens.push(ANY_CHAR);
        } else {
            tokens.push(code);
        }
    }
    return tokens;
}

/** One or more characters other than `:`, e.g. an ARN's partition or account. */
export const SEGMENT = Object.freeze({ segment: true as const });
/** Any string, including the empty one. */
export const ANYTHING = Object.freeze({ anything: true as const });
export type TargetPart = string | typeof SEGMENT | typeof ANYTHING;

/** Builds a target language from literal text, SEGMENT and ANYTHING parts. */
export function target(...parts: TargetPart[]): GlobTokens {
    const tokens: number[] = [];
    for (const part of parts) {
        if (typeof part === "string") {
            for (let i = 0; i < part.length; i++) {
                tokens.push(part.charCodeAt(i));
            }
        } else if ("segment" in part) {
            tokens.push(SEGMENT_CHAR, SEGMENT_STRING);
        } else {
            tokens.push(ANY_STRING);
        }
    }
    return tokens;
}

/** Does `pattern` (IAM glob) match `text` exactly? Callers lowercase both for case-insensitive elements. */
export function globMatches(pattern: string, text: string): boolean {
    // Most IAM values have no wildcard, and `*` alone is common: both are decided without the table.
    if (pattern === "*") {
        return true;
    }
    if (pattern.indexOf("*") < 0 && pattern.indexOf("?") < 0) {
        return pattern === text;
    }
    const width = text.length + 1;
    let row = new Uint8Array(width);
    let next = new Uint8Array(width);
    row[0] = 1;
    for (let p = 0; p < pattern.length; p++) {
        const code = pattern.charCodeAt(p);
        if (code === 42) {
            next[0] = row[0];
            for (let j = 1; j < width; j++) {
                next[j] = row[j] | next[j - 1];
            }
        } else {
            next[0] = 0;
            for (let j = 1; j < width; j++) {
                next[j] = row[j - 1] && (code === 63 || code === text.charCodeAt(j - 1)) ? 1 : 0;
            }
        }
        [row, next] = [next, row];
    }
    return row[width - 1] === 1;
}

function isRunToken(token: number): boolean {
    return token === ANY_STRING || token === SEGMENT_STRING;
}

function hasStar(tokens: GlobTokens): boolean {
    return tokens.includes(ANY_STRING);
}

function tokenAccepts(token: number, char: number): boolean {
    if (token >= 0) {
        return token === char;
    }
    if (token === ANY_CHAR || token === ANY_STRING) {
        return true;
    }
    return char !== COLON;
}

/** The union of several globs as one NFA; states are (pattern, position) pairs numbered globally. */
class GlobUnion {
    private readonly tokenOf: Int32Array;
    private readonly isEnd: Uint8Array;
    private readonly mark: Uint32Array;
    private generation = 0;
    readonly start: readonly number[];

    constructor(patterns: readonly GlobTokens[]) {
        let total = 0;
        for (const p of patterns) {
            total += p.length + 1;
        }
        this.tokenOf = new Int32Array(total);
        this.isEnd = new Uint8Array(total);
        this.mark = new Uint32Array(total);
        const starts: number[] = [];
        let offset = 0;
        for (const p of patterns) {
            for (let i = 0; i < p.length; i++) {
                this.tokenOf[offset + i] = p[i];
            }
            this.isEnd[offset + p.length] = 1;
            starts.push(offset);
            offset += p.length + 1;
        }
        this.start = this.closure(starts);
    }

    accepting(subset: readonly number[]): boolean {
        return subset.some((state) => this.isEnd[state] === 1);
    }

    step(subset: readonly number[], char: number): number[] {
        const moved: number[] = [];
        for (const state of subset) {
            if (this.isEnd[state] === 1) {
                continue;
            }
            const token = this.tokenOf[state];
            if (tokenAccepts(token, char)) {
                moved.push(isRunToken(token) ? state : state + 1);
            }
        }
        return this.closure(moved);
    }

    /** Adds the states reachable without reading a character (skipping `*`), sorted and deduplicated. */
    private closure(states: readonly number[]): number[] {
        this.generation++;
        const result: number[] = [];
        for (let state of states) {
            for (;;) {
                if (this.mark[state] !== this.generation) {
                    this.mark[state] = this.generation;
                    result.push(state);
                }
                if (this.isEnd[state] === 1 || !isRunToken(this.tokenOf[state])) {
                    break;
                }
                state++;
            }
        }
        return result.sort((a, b) => a - b);
    }
}

function alphabetOf(languages: readonly GlobTokens[]): number[] {
    const chars = new Set<number>([COLON, OTHER_CHAR]);
    for (const tokens of languages) {
        for (const token of tokens) {
            if (token >= 0) {
                chars.add(token);
            }
        }
    }
    return [...chars];
}

type WalkVisit = (targetAccepting: boolean, subset: readonly number[]) => boolean;

/**
 * Walks the target NFA in lockstep with the determinised union. `visit` returns true to stop with
 * "found". Returns "found", "exhausted" (budget spent) or "done". Dead (empty) subsets are visited
 * but not expanded.
 */
function walk(
    targetTokens: GlobTokens,
    union: GlobUnion,
    from: readonly number[],
    alphabet: readonly number[],
    budget: { left: number },
    visit: WalkVisit,
): "found" | "exhausted" | "done" {
    const seen = new Set<string>();
    const queue: Array<[number, readonly number[]]> = [];
    const enqueue = (position: number, subset: readonly number[]): void => {
        for (;;) {
            const key = `${position}|${subset.join(",")}`;
            if (!seen.has(key)) {
                seen.add(key);
                queue.push([position, subset]);
            }
            if (position < targetTokens.length && isRunToken(targetTokens[position])) {
                position++;
            } else {
                break;
            }
        }
    };
    enqueue(0, from);
    for (let head = 0; head < queue.length; head++) {
        const [position, subset] = queue[head];
        const cost = 1 + subset.length * alphabet.length;
        budget.left -= cost;
        if (sharedBudget !== undefined) {
            sharedBudget.left -= cost;
        }
        if (budget.left < 0 || (sharedBudget !== undefined && sharedBudget.left < 0)) {
            return "exhausted";
        }
        const atEnd = position === targetTokens.length;
        if (visit(atEnd, subset)) {
            return "found";
        }
        if (atEnd || subset.length === 0) {
            continue;
        }
        const token = targetTokens[position];
        const nextPosition = isRunToken(token) ? position : position + 1;
        const chars = token >= 0 ? [token] : alphabet.filter((c) => tokenAccepts(token, c));
        for (const char of chars) {
            enqueue(nextPosition, union.step(subset, char));
        }
    }
    return "done";
}

// Stacks repeat the same patterns (Resource "*", the same role ARNs) across many resources, so verdicts
// are memoised per question, target and pattern list. The cache is small and simply cleared when full.
const MAX_CACHED_VERDICTS = 10_000;
const verdicts = new Map<string, boolean | undefined>();

function memoised(
    question: string,
    patterns: readonly GlobTokens[],
    targetTokens: GlobTokens,
    decide: () => boolean | undefined,
): boolean | undefined {
    const key = `${question}|${targetTokens.join(",")}|${patterns.map((p) => p.join(",")).join(";")}`;
    if (verdicts.has(key)) {
        return verdicts.get(key);
    }
    const verdict = decide();
    if (verdict === undefined) {
        return verdict; // depends on the budget left, not only on the patterns
    }
    if (verdicts.size >= MAX_CACHED_VERDICTS) {
        verdicts.clear();
    }
    verdicts.set(key, verdict);
    return verdict;
}

/** Every string of `targetTokens` is matched by at least one of `patterns`. `undefined`: undecided. */
export function languageCovers(patterns: readonly GlobTokens[], targetTokens: GlobTokens): boolean | undefined {
    if (targetTokens.some(isRunToken) && !patterns.some(hasStar)) {
        return false; // finitely many strings cannot cover an infinite language
    }
    return memoised("covers", patterns, targetTokens, () => decideCovers(patterns, targetTokens));
}

/** Some string of `targetTokens` is matched by at least one of `patterns`. `undefined`: undecided. */
export function languagesIntersect(patterns: readonly GlobTokens[], targetTokens: GlobTokens): boolean | undefined {
    return memoised("intersects", patterns, targetTokens, () => decideIntersects(patterns, targetTokens));
}

/**
 * Some string x of `prefix` has every extension x·s matched by `patterns`: "these patterns cover
 * everything under one concrete prefix", e.g. every role ARN of one (any) account and partition.
 * `undefined`: undecided.
 */
export function coversSomePrefix(patterns: readonly GlobTokens[], prefix: GlobTokens): boolean | undefined {
    if (!patterns.some(hasStar)) {
        return false; // finitely many strings cannot cover every extension of a prefix
    }
    return memoised("prefix", patterns, prefix, () => decideCoversSomePrefix(patterns, prefix));
}

function decideCovers(patterns: readonly GlobTokens[], targetTokens: GlobTokens): boolean | undefined {
    const union = new GlobUnion(patterns);
    const alphabet = alphabetOf([...patterns, targetTokens]);
    const outcome = walk(targetTokens, union, union.start, alphabet, { left: MAX_WORK_PER_QUESTION }, (atEnd, subset) =>
        subset.length === 0 || (atEnd && !union.accepting(subset)),
    );
    return outcome === "exhausted" ? undefined : outcome === "done";
}

function decideIntersects(patterns: readonly GlobTokens[], targetTokens: GlobTokens): boolean | undefined {
    const union = new GlobUnion(patterns);
    const alphabet = alphabetOf([...patterns, targetTokens]);
    const outcome = walk(targetTokens, union, union.start, alphabet, { left: MAX_WORK_PER_QUESTION }, (atEnd, subset) =>
        atEnd && union.accepting(subset),
    );
    return outcome === "exhausted" ? undefined : outcome === "found";
}

function decideCoversSomePrefix(patterns: readonly GlobTokens[], prefix: GlobTokens): boolean | undefined {
    const union = new GlobUnion(patterns);
    const alphabet = alphabetOf([...patterns, prefix]);
    const budget = { left: MAX_WORK_PER_QUESTION };
    const universalBySubset = new Map<string, boolean | undefined>();
    const everything = target(ANYTHING);
    let undecided = false;
    const isUniversal = (subset: readonly number[]): boolean | undefined => {
        const key = subset.join(",");
        if (!universalBySubset.has(key)) {
            const outcome = walk(everything, union, subset, alphabet, budget, (atEnd, s) =>
                s.length === 0 || (atEnd && !union.accepting(s)),
            );
            universalBySubset.set(key, outcome === "exhausted" ? undefined : outcome === "done");
        }
        return universalBySubset.get(key);
    };
    const outcome = walk(prefix, union, union.start, alphabet, budget, (atEnd, subset) => {
        if (!atEnd || subset.length === 0) {
            return false;
        }
        const universal = isUniversal(subset);
        if (universal === undefined) {
            undecided = true;
        }
        return universal === true;
    });
    if (outcome === "found") {
        return true;
    }
    return outcome === "exhausted" || undecided ? undefined : false;
}
