// Reads an IAM policy document, given as a JSON string or an object, into plain statements.
//
// Nothing here throws: every read goes through `readField`, which turns a throwing getter (the
// policy SDK's proxy throws on Pulumi unknowns) or an unknown sentinel into an `Unresolved` entry,
// and every odd type into a human-readable problem. Element names are looked up case-insensitively
// (exact spelling first), so a document written with lower-case keys is still judged rather than
// silently skipped.

import { Unresolved } from "./types";

/** Pulumi's wire sentinels for values that are unknown until `pulumi up`. */
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
]);

/**
 * Caps on pathological input. IAM itself rejects documents anywhere near these sizes (an inline
 * role policy holds at most 10,240 characters, an ARN at most 2,048), so anything past them is
 * reported as unreadable rather than analysed for minutes.
 */
export const LIMITS = Object.freeze({
    documentChars: 5_000_000,
    statements: 20_000,
    valuesPerElement: 1_000,
    valueChars: 4_096,
});

export interface PolicyPrincipal {
    /** `"*"`, or a `*` in the AWS or Federated list: every principal. */
    everyone: boolean;
    federated: string[];
    aws: string[];
    service: string[];
}

export interface ConditionClause {
    operator: string;
    key: string;
    /** Values as written; booleans and numbers are kept as their string form. */
    values: string[];
}

export interface PolicyStatement {
    index: number;
    sid?: string;
    /** `Statement[0] (Sid "Deploy")`, or `Statement (Sid "Deploy")` when Statement is a single object. */
    label: string;
    effect?: string;
    action?: string[];
    notAction?: string[];
    resource?: string[];
    notResource?: string[];
    principal?: PolicyPrincipal;
    notPrincipal?: PolicyPrincipal;
    conditions: ConditionClause[];
    /** Malformed parts, as sentences. A statement with problems cannot be judged. */
    problems: string[];
    /** Parts that are unknown or could not be read. A statement with these cannot be judged yet. */
    unresolved: Unresolved[];
}

export interface ParsedDocument {
    /** False when the document as a whole cannot be read (not JSON, not an object, too large...). */
    readable: boolean;
    problems: string[];
    statements: PolicyStatement[];
    /** Document-level unknowns (the whole document, or its Statement element). */
    unresolved: Unresolved[];
}

type FieldRead = { state: "absent" } | { state: "value"; value: unknown } | { state: "unresolved" };

/** Quotes a value for a message, shortened so a 100 KB value does not become a 100 KB message. */
export function quote(value: unknown): string {
    const limit = 160;
    const shown = 150;
    let text: string;
    try {
        text = boundedJson(value, limit + 1);
    } catch {
        text = "[unreadable value]";
    }
    return text.length > limit ? `${text.slice(0, shown)}…" (more than ${limit} characters)` : text;
}

/**
 * JSON text of `value`, cut once it passes `budget` characters. JSON.stringify has no bound: a
 * value nested deeply with shared references (each level pointing twice at the next) stringifies
 * to an exponentially long string, and from Node 26 deep nesting no longer throws first, so one
 * hostile document would exhaust the pack's memory. Here the walk stops as soon as the budget is
 * spent, visits each node at most once per path (a cycle prints as "[Circular]"), and treats a
 * throwing getter or toJSON as unreadable, never as a crash.
 */
function boundedJson(value: unknown, budget: number): string {
    let out = "";
    const onPath = new Set<object>();
    const emit = (piece: string): boolean => {
        out += piece;
        return out.length < budget;
    };
    const walk = (node: unknown): boolean => {
        if (typeof node === "string") return emit(JSON.stringify(node));
        if (typeof node === "number") return emit(Number.isFinite(node) ? String(node) : "null");
        if (typeof node === "boolean" || node === null) return emit(String(node));
        if (typeof node === "bigint") return emit(`${node.toString()}n`);
        if (typeof node !== "object") return emit(String(node));
        if (onPath.has(node)) return emit('"[Circular]"');
        onPath.add(node);
        try {
            if (Array.isArray(node)) {
                if (!emit("[")) return false;
                for (let i = 0; i < node.length; i++) {
                    if (i > 0 && !emit(",")) return false;
                    const item = (node as unknown[])[i];
                    if (!walk(item === undefined || typeof item === "function" ? null : item)) return false;
                }
                return emit("]");
            }
            if (!emit("{")) return false;
            let first = true;
            for (const key of Object.keys(node)) {
                const child = (node as Record<string, unknown>)[key];
                if (child === undefined || typeof child === "function") continue;
                if (!first && !emit(",")) return false;
                first = false;
                if (!emit(`${JSON.stringify(key)}:`)) return false;
                if (!walk(child)) return false;
            }
            return emit("}");
        } finally {
            onPath.delete(node);
        }
    };
    if (value === undefined) return "undefined";
    walk(value);
    return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads `name` from `holder`, case-insensitively, recording unknowns and throwing getters. */
function readField(holder: object, name: string, path: string, unresolved: Unresolved[]): FieldRead {
    let key: string | undefined;
    try {
        const keys = Object.keys(holder);
        key = keys.includes(name) ? name : keys.find((k) => k.toLowerCase() === name.toLowerCase());
    } catch (cause) {
        unresolved.push({ path, cause });
        return { state: "unresolved" };
    }
    if (key === undefined) {
        return { state: "absent" };
    }
    return readValue(() => (holder as Record<string, unknown>)[key], `${path}`, unresolved);
}

function readValue(get: () => unknown, path: string, unresolved: Unresolved[]): FieldRead {
    let value: unknown;
    try {
        value = get();
    } catch (cause) {
        unresolved.push({ path, cause });
        return { state: "unresolved" };
    }
    if (typeof value === "string" && UNKNOWN_SENTINELS.has(value)) {
        unresolved.push({ path });
        return { state: "unresolved" };
    }
    return value === undefined ? { state: "absent" } : { state: "value", value };
}

/** Reads the elements of an array-like value one by one, so one unknown element does not hide the rest. */
function readElements(list: unknown[], path: string, unresolved: Unresolved[]): Array<FieldRead> {
    let length: number;
    try {
        length = list.length;
    } catch (cause) {
        unresolved.push({ path, cause });
        return [];
    }
    const elements: FieldRead[] = [];
    for (let i = 0; i < length; i++) {
        elements.push(readValue(() => list[i], `${path}[${i}]`, unresolved));
    }
    return elements;
}

/**
 * Reads a string-or-list element. Returns undefined when the element is absent. `allowScalars`
 * accepts booleans and numbers (condition values such as `"aws:SecureTransport": false`).
 */
function readStringList(
    holder: object,
    name: string,
    statement: PolicyStatement,
    allowScalars = false,
): string[] | undefined {
    const path = `${statement.label}.${name}`;
    const field = readField(holder, name, path, statement.unresolved);
    if (field.state !== "value") {
        return field.state === "absent" ? undefined : [];
    }
    return toStringList(field.value, path, statement, allowScalars);
}

function toStringList(value: unknown, path: string, statement: PolicyStatement, allowScalars: boolean): string[] {
    if (Array.isArray(value) && value.length > LIMITS.valuesPerElement) {
        statement.problems.push(`${path} lists ${value.length} values, more than keyless analyses (${LIMITS.valuesPerElement})`);
        return [];
    }
    const entries: FieldRead[] = Array.isArray(value)
        ? readElements(value, path, statement.unresolved)
        : [{ state: "value", value }];
    const strings: string[] = [];
    for (const entry of entries) {
        if (entry.state !== "value") {
            continue;
        }
        const v = entry.value;
        if (typeof v === "string") {
            if (v.length > LIMITS.valueChars) {
                statement.problems.push(
                    `${path} has a value of ${v.length} characters, longer than any valid IAM value (keyless stops at ${LIMITS.valueChars})`,
                );
                continue;
            }
            strings.push(v);
        } else if (allowScalars && (typeof v === "boolean" || typeof v === "number")) {
            strings.push(String(v));
        } else {
            statement.problems.push(`${path} must be a string or a list of strings, found ${quote(v)}`);
        }
    }
    return strings;
}

function readPrincipal(holder: object, name: string, statement: PolicyStatement): PolicyPrincipal | undefined {
    const path = `${statement.label}.${name}`;
    const field = readField(holder, name, path, statement.unresolved);
    if (field.state !== "value") {
        return undefined;
    }
    const principal: PolicyPrincipal = { everyone: false, federated: [], aws: [], service: [] };
    const value = field.value;
    if (value === "*") {
        principal.everyone = true;
        return principal;
    }
    if (!isObject(value)) {
        statement.problems.push(`${path} must be "*" or an object such as {"Federated": "..."}, found ${quote(value)}`);
        return principal;
    }
    principal.aws = readStringList(value, "AWS", statement) ?? [];
    principal.federated = readStringList(value, "Federated", statement) ?? [];
    principal.service = readStringList(value, "Service", statement) ?? [];
    principal.everyone = principal.aws.includes("*") || principal.federated.includes("*");
    return principal;
}

function readConditions(holder: object, statement: PolicyStatement): void {
    const path = `${statement.label}.Condition`;
    const field = readField(holder, "Condition", path, statement.unresolved);
    if (field.state !== "value") {
        return;
    }
    if (!isObject(field.value)) {
        statement.problems.push(`${path} must be an object of operators, found ${quote(field.value)}`);
        return;
    }
    const block = field.value;
    let operators: string[];
    try {
        operators = Object.keys(block);
    } catch (cause) {
        statement.unresolved.push({ path, cause });
        return;
    }
    for (const operator of operators) {
        const operatorPath = `${path}.${operator}`;
        const keysRead = readValue(() => block[operator], operatorPath, statement.unresolved);
        if (keysRead.state !== "value") {
            continue;
        }
        if (!isObject(keysRead.value)) {
            statement.problems.push(`${operatorPath} must be an object of condition keys, found ${quote(keysRead.value)}`);
            continue;
        }
        const keysObject = keysRead.value;
        let keys: string[];
        try {
            keys = Object.keys(keysObject);
        } catch (cause) {
            statement.unresolved.push({ path: operatorPath, cause });
            continue;
        }
        for (const key of keys) {
            const valuePath = `${operatorPath}["${key}"]`;
            const valueRead = readValue(() => keysObject[key], valuePath, statement.unresolved);
            if (valueRead.state !== "value") {
                continue;
            }
            statement.conditions.push({
                operator,
                key,
                values: toStringList(valueRead.value, valuePath, statement, true),
            });
        }
    }
}

function labelFor(index: number, single: boolean, sid: string | undefined): string {
    const base = single ? "Statement" : `Statement[${index}]`;
    return sid === undefined ? base : `${base} (Sid ${quote(sid.length > 80 ? `${sid.slice(0, 80)}…` : sid)})`;
}

function readStatement(raw: unknown, index: number, single: boolean): PolicyStatement {
    const statement: PolicyStatement = {
        index,
        label: labelFor(index, single, undefined),
        conditions: [],
        problems: [],
        unresolved: [],
    };
    if (!isObject(raw)) {
        statement.problems.push(`${statement.label} must be an object, found ${quote(raw)}`);
        return statement;
    }
    const sid = readField(raw, "Sid", `${statement.label}.Sid`, statement.unresolved);
    if (sid.state === "value" && typeof sid.value === "string") {
        statement.sid = sid.value;
        statement.label = labelFor(index, single, sid.value);
    }
    const effect = readField(raw, "Effect", `${statement.label}.Effect`, statement.unresolved);
    if (effect.state === "value") {
        if (typeof effect.value === "string") {
            statement.effect = effect.value;
        }
        if (typeof effect.value !== "string" || !["allow", "deny"].includes(effect.value.toLowerCase())) {
            statement.problems.push(`${statement.label}.Effect must be "Allow" or "Deny", found ${quote(effect.value)}`);
        }
    } else if (effect.state === "absent") {
        statement.problems.push(`${statement.label} has no Effect`);
    }
    statement.action = readStringList(raw, "Action", statement);
    statement.notAction = readStringList(raw, "NotAction", statement);
    statement.resource = readStringList(raw, "Resource", statement);
    statement.notResource = readStringList(raw, "NotResource", statement);
    statement.principal = readPrincipal(raw, "Principal", statement);
    statement.notPrincipal = readPrincipal(raw, "NotPrincipal", statement);
    readConditions(raw, statement);
    const actionsUnknown = statement.unresolved.some((u) => /\.(Not)?Action/i.test(u.path));
    if (statement.action === undefined && statement.notAction === undefined && !actionsUnknown) {
        statement.problems.push(`${statement.label} has neither Action nor NotAction`);
    }
    return statement;
}

/** Reads a policy document given as a JSON string or an object. Never throws. */
export function parsePolicyDocument(document: unknown): ParsedDocument {
    const parsed: ParsedDocument = { readable: true, problems: [], statements: [], unresolved: [] };
    const unreadable = (problem: string): ParsedDocument => {
        parsed.readable = false;
        parsed.problems.push(problem);
        return parsed;
    };
    let root: unknown = document;
    if (typeof document === "string") {
        if (UNKNOWN_SENTINELS.has(document)) {
            parsed.unresolved.push({ path: "document" });
            return parsed;
        }
        if (document.length > LIMITS.documentChars) {
            return unreadable(`the document is ${document.length} characters long, more than keyless reads (${LIMITS.documentChars})`);
        }
        if (document.trim() === "") {
            return unreadable("the document is an empty string");
        }
        try {
            root = JSON.parse(document);
        } catch (error) {
            return unreadable(`the document is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
        }
    }
    if (!isObject(root)) {
        return unreadable(`the document must be a JSON object with a Statement, found ${quote(root)}`);
    }
    const statementField = readField(root, "Statement", "Statement", parsed.unresolved);
    if (statementField.state !== "value") {
        return parsed;
    }
    const value = statementField.value;
    if (isObject(value)) {
        parsed.statements.push(readStatement(value, 0, true));
        return parsed;
    }
    if (!Array.isArray(value)) {
        return unreadable(`Statement must be an object or a list of objects, found ${quote(value)}`);
    }
    if (value.length > LIMITS.statements) {
        return unreadable(`the document has ${value.length} statements, more than keyless analyses (${LIMITS.statements})`);
    }
    const elements = readElements(value, "Statement", parsed.unresolved);
    elements.forEach((element, index) => {
        if (element.state === "value") {
            parsed.statements.push(readStatement(element.value, index, false));
        } else if (element.state === "absent") {
            parsed.statements.push(readStatement(undefined, index, false));
        }
    });
    return parsed;
}
