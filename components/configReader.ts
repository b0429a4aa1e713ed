// Small typed readers over untrusted config values. Every reader records a problem that names
// the config key, the bad value and what would be accepted, and returns undefined instead of
// throwing, so that one run reports every problem at once.

import { RunError } from "@pulumi/pulumi/errors";

export class Problems {
    private readonly entries: string[] = [];

    add(key: string, message: string): void {
        this.entries.push(`${key}: ${message}`);
    }

    get list(): readonly string[] {
        return this.entries;
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
    constructor(readonly problems: readonly string[], heading = "keyless found problems in this stack's config") {
        super(`${heading} (nothing was created):\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
        this.name = "KeylessConfigError";
    }
}

/** Shows a value in a message without flooding it. */
export function show(value: unknown): string {
    const text = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
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
            problems.add(
                `${key}.${field}`,
                `unknown field; the fields keyless reads here are ${allowed.join(", ")}`,
            );
        }
    }
}

export function readString(
    value: unknown,
    key: string,
    problems: Problems,
    rule?: { test: (value: string) => boolean; expected: string },
): string | undefined {
    if (typeof value !== "string") {
        problems.add(key, `expected a string, got ${show(value)}`);
        return undefined;
    }
    if (rule && !rule.test(value)) {
        problems.add(key, `${show(value)} is not ${rule.expected}`);
        return undefined;
    }
    return value;
}

export function readBoolean(value: unknown, key: string, problems: Problems): boolean | undefined {
    if (typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    problems.add(key, `expected true or false, got ${show(value)}`);
    return undefined;
}

export function readInteger(
    value: unknown,
    key: string,
    problems: Problems,
    range: { min: number; max: number; why: string },
): number | undefined {
    const number = typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== "number" || !Number.isInteger(number)) {
        problems.add(key, `expected a whole number, got ${show(value)}`);
        return undefined;
    }
    if (number < range.min || number > range.max) {
        problems.add(key, `${number} is outside ${range.min}-${range.max} (${range.why})`);
        return undefined;
    }
    return number;
}

export function readStringList(
    value: unknown,
    key: string,
    problems: Problems,
    rule?: { test: (value: string) => boolean; expected: string },
): string[] | undefined {
    const list = typeof value === "string" ? [value] : value;
    if (!Array.isArray(list)) {
        problems.add(key, `expected a list of strings, got ${show(value)}`);
        return undefined;
    }
    const result: string[] = [];
    list.forEach((item, index) => {
        const read = readString(item, `${key}[${index}]`, problems, rule);
        if (read !== undefined) result.push(read);
    });
    return result.length === list.length ? result : undefined;
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
