// The safety of keyless's messages about untrusted config values, in one place: problems
// collected under their keys (every problem at once), values shown without echoing what looks
// like a credential, non-ASCII escaped, did-you-mean for names. The values themselves are read
// with the stack-file schema (components/config/schema.ts, components/config/issues.ts).

import { RunError } from "@pulumi/pulumi/errors";

export class Problems {
    private readonly entries: { readonly key: string; readonly message: string }[] = [];

    /** Records a problem; the same problem found again (a stack-wide value every entry inherits) is kept once. */
    add(key: string, message: string): void {
        if (!this.entries.some((entry) => entry.key === key && entry.message === message)) this.entries.push({ key, message });
    }

    get list(): readonly string[] {
        return this.labelled(() => undefined);
    }

    /**
     * The problems, each ending with the label `describe` gives its key
     * (`keyless:repositories[5].waitTimer: ... [acme/api, environment prod]`). At the end, so that
     * every problem still begins with its key path.
     */
    labelled(describe: (key: string) => string | undefined): readonly string[] {
        return this.entries.map(({ key, message }) => {
            const label = describe(key);
            return escapeText(`${key}: ${message}${label ? ` [${label}]` : ""}`);
        });
    }

    get size(): number {
        return this.entries.length;
    }

    get empty(): boolean {
        return this.entries.length === 0;
    }
}

/**
 * Thrown when a stack's config is invalid; lists every problem found. A RunError, so Pulumi
 * prints the message alone, without a stack trace.
 */
export class KeylessConfigError extends RunError {
    readonly problems: readonly string[];

    constructor(problems: readonly string[], heading = "keyless found problems in this stack's config") {
        const escaped = problems.map(escapeText);
        super(`${heading} (nothing was created):\n${escaped.map((problem) => `  - ${problem}`).join("\n")}`);
        this.problems = escaped;
        this.name = "KeylessConfigError";
    }
}

/**
 * Escapes every character outside printable ASCII (\u0430 for a Cyrillic a, \u200b for a
 * zero-width space), so a look-alike or invisible character never reads as the ASCII it mimics.
 * Applied to every problem keyless reports; newlines and tabs stay.
 */
export function escapeText(text: string): string {
    return text.replace(/[^\x20-\x7e\n\t]/gu, (character) => {
        const code = character.codePointAt(0) ?? 0;
        return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, "0")}`;
    });
}

/**
 * Shows a value in a message without flooding it, non-ASCII characters escaped. A string that
 * looks like a credential is described by its length only: messages reach pull request comments.
 */
export function show(value: unknown): string {
    if (typeof value === "string" && looksLikeCredential(value)) return `(${shapeOf(value)} that looks like a credential, not shown)`;
    const text = escapeText(typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value));
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Describes a value by its shape only (type and length), for values that may be secrets pasted
 * in the wrong place: messages reach pull request comments, so they never carry such a value.
 */
export function shapeOf(value: unknown): string {
    if (typeof value === "string") return value.length === 0 ? "an empty string" : `a string of ${value.length} characters`;
    if (value === null) return "null";
    if (Array.isArray(value)) return `a list of ${value.length} items`;
    return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

// Widely used credential formats (GitHub, Sentry, Slack, AWS key IDs, Stripe, GitLab, npm,
// OpenAI), with their lengths, so that a name such as NPM_TOKEN or ASIA_REGION is not one.
const CREDENTIAL =
    /^(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{30,}|sntry[su]_\w{20,}|xox[abposr]-[\w-]{10,}|(?:AKIA|ASIA)[A-Z0-9]{16}|[sr]k_(?:live|test)_\w{16,}|glpat-[\w-]{20,}|npm_[A-Za-z0-9]{30,}|sk-[\w-]{20,})$/;

/**
 * Whether a string looks like a credential rather than a name: a known token format, a long
 * hexadecimal string, or a long one mixing upper case, lower case and digits as generated tokens do.
 */
export function looksLikeCredential(value: string): boolean {
    if (CREDENTIAL.test(value)) return true;
    // ARNs, URLs and prose are long and mixed-case without being secrets.
    if (value.startsWith("arn:") || value.includes("://") || /\s/.test(value)) return false;
    if (/^[0-9a-f]{32,}$/i.test(value)) return true;
    return value.length >= 32 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /\d/.test(value);
}

/** Edit distance between two strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/**
 * The known name `name` was most likely meant to be: the same name in another case, or the
 * closest one within a few edits (a quarter of its length, at least 1, at most 3).
 */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
    const folded = name.toLowerCase();
    const sameCase = known.find((candidate) => candidate.toLowerCase() === folded);
    if (sameCase) return sameCase;
    const budget = Math.min(3, Math.max(1, Math.floor(name.length / 4)));
    let best: { candidate: string; distance: number } | undefined;
    for (const candidate of known) {
        const distance = editDistance(folded, candidate.toLowerCase());
        if (distance <= budget && (!best || distance < best.distance)) best = { candidate, distance };
    }
    return best?.candidate;
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reports fields of `object` that are not in `allowed`. */
export function rejectUnknownFields(
    object: JsonObject,
    allowed: readonly string[],
    key: string,
    problems: Problems,
): void {
    for (const field of Object.keys(object)) {
        if (!allowed.includes(field)) {
            const meant = didYouMean(field, allowed);
            problems.add(
                `${key}.${field}`,
                `unknown field; the fields keyless reads here are ${allowed.join(", ")}${meant ? `; did you mean ${meant}?` : ""}`,
            );
        }
    }
}

/** Parses a config value Pulumi passes as JSON text (objects, lists, numbers in YAML). */
export function parseJsonConfig(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        // Plain strings reach the program unquoted.
        return text;
    }
}

/** Reports case-insensitive duplicates in `values`. */
export function rejectDuplicates(values: readonly string[], key: string, problems: Problems, what: string): void {
    const seen = new Set<string>();
    for (const value of values) {
        const folded = value.toLowerCase();
        if (seen.has(folded)) problems.add(key, `${what} ${show(value)} appears twice`);
        seen.add(folded);
    }
}
