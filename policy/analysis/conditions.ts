// Condition operators and what they mean for a claim that must restrict who assumes a role.

export interface ConditionOperator {
    /** As written in the document. */
    written: string;
    /** Canonical base name (`StringLike`) when IAM knows it, otherwise the written base. */
    base: string;
    known: boolean;
    forAllValues: boolean;
    forAnyValue: boolean;
    ifExists: boolean;
    /** `StringNot...`, `ArnNot...`, `NotIpAddress`...: a deny-list. */
    negated: boolean;
    /** `*` and `?` are wildcards (the Like and Arn operators); elsewhere they are literal characters. */
    wildcards: boolean;
}

const KNOWN_OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];
const CANONICAL = new Map(KNOWN_OPERATORS.map((name) => [name.toLowerCase(), name]));
const NEGATED = new Set([
    "StringNotEquals",
    "StringNotEqualsIgnoreCase",
    "StringNotLike",
    "NumericNotEquals",
    "DateNotEquals",
    "NotIpAddress",
    "ArnNotEquals",
    "ArnNotLike",
]);
const WILDCARD_OPERATORS = new Set(["StringLike", "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"]);

/** Parses `ForAllValues:StringLikeIfExists` and friends; operator names are matched case-insensitively. */
export function parseConditionOperator(written: string): ConditionOperator {
    let rest = written;
    let forAllValues = false;
    let forAnyValue = false;
    const lower = () => rest.toLowerCase();
    if (lower().startsWith("forallvalues:")) {
        forAllValues = true;
        rest = rest.slice("ForAllValues:".length);
    } else if (lower().startsWith("foranyvalue:")) {
        forAnyValue = true;
        rest = rest.slice("ForAnyValue:".length);
    }
    let ifExists = false;
    if (lower().endsWith("ifexists") && CANONICAL.has(lower().slice(0, -"ifexists".length))) {
        ifExists = true;
        rest = rest.slice(0, -"IfExists".length);
    }
    const canonical = CANONICAL.get(lower());
    const base = canonical ?? rest;
    return {
        written,
        base,
        known: canonical !== undefined,
        forAllValues,
        forAnyValue,
        ifExists,
        negated: NEGATED.has(base),
        wildcards: WILDCARD_OPERATORS.has(base),
    };
}

/**
 * Why a condition under this operator does not restrict a claim in an Allow statement, or
 * undefined when it does. Only StringEquals and StringLike (alone or with ForAnyValue:) restrict:
 * they are false when the claim does not match one of the listed values.
 */
export function whyNotRestricting(operator: ConditionOperator): string | undefined {
    const name = `"${operator.written}"`;
    if (!operator.known) {
        return `${name} is not an IAM condition operator`;
    }
    if (operator.forAllValues) {
        return `${name} is true when the claim is absent (ForAllValues: tests every value of an empty set), so in an Allow statement it restricts nothing`;
    }
    if (operator.ifExists) {
        return `${name} is true when the claim is absent, so it cannot stand in for a restriction`;
    }
    if (operator.negated) {
        return `${name} is a deny-list: every value it does not name still matches`;
    }
    if (operator.base === "StringEqualsIgnoreCase") {
        return `${name} ignores case, so branches and tags that differ only in case (refs/heads/Main, refs/heads/MAIN) also match`;
    }
    if (operator.base === "StringEquals" || operator.base === "StringLike") {
        return undefined;
    }
    if (operator.base.startsWith("Arn")) {
        return `${name} compares ARNs, not GitHub subjects`;
    }
    return `${name} does not compare the claim with an exact value`;
}
