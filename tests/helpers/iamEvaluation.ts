// Small IAM evaluation for the tests of keyless's own permissions, built on the pack's glob
// functions (policy/analysis/glob.ts): whether a policy allows one request, and whether every
// grant of one policy falls inside another (a permissions boundary). It covers what keyless's
// documents use: Allow/Deny, Action and Resource lists, and StringEquals, StringNotEquals and
// StringLike conditions; anything else is reported as unsupported rather than guessed.

import { compileGlob, globMatches, languageCovers, languagesIntersect } from "../../policy/analysis/glob";
import { PolicyDocument, Statement } from "../../components/presets";

const list = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export interface Request {
    readonly action: string;
    readonly resource: string;
    /** Condition keys of the request (key names compared case-insensitively, as IAM does). */
    readonly context?: Readonly<Record<string, string>>;
}

function conditionHolds(condition: Statement["Condition"], context: Readonly<Record<string, string>>): boolean {
    for (const [operator, keys] of Object.entries(condition ?? {})) {
        for (const [key, raw] of Object.entries(keys)) {
            const values = list(raw);
            const present = Object.entries(context).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
            switch (operator) {
                case "StringEquals":
                    if (present === undefined || !values.includes(present)) return false;
                    break;
                case "StringLike":
                    if (present === undefined || !values.some((value) => globMatches(value, present))) return false;
                    break;
                case "StringNotEquals":
                    // A negated operator is true when the key is absent.
                    if (present !== undefined && values.includes(present)) return false;
                    break;
                default:
                    throw new Error(`unsupported condition operator ${operator}`);
            }
        }
    }
    return true;
}

function matches(statement: Statement, request: Request): boolean {
    return (
        list(statement.Action).some((action) => globMatches(action.toLowerCase(), request.action.toLowerCase())) &&
        list(statement.Resource).some((resource) => globMatches(resource, request.resource)) &&
        conditionHolds(statement.Condition, request.context ?? {})
    );
}

/** An explicit Allow matches and no Deny does. */
export function allows(document: PolicyDocument, request: Request): boolean {
    const applicable = document.Statement.filter((statement) => matches(statement, request));
    return applicable.some((s) => s.Effect === "Allow") && !applicable.some((s) => s.Effect === "Deny");
}

/** StringEquals values the statement pins each condition key to (lower-case key). */
function pinnedValues(statement: Statement): Map<string, string[]> {
    const pinned = new Map<string, string[]>();
    for (const [key, raw] of Object.entries(statement.Condition?.StringEquals ?? {})) pinned.set(key.toLowerCase(), list(raw));
    return pinned;
}

/** The boundary statement's conditions hold for every request the grant's conditions admit. */
function conditionImplied(grant: Statement, boundary: Statement): boolean {
    const pinned = pinnedValues(grant);
    for (const [operator, keys] of Object.entries(boundary.Condition ?? {})) {
        for (const [key, raw] of Object.entries(keys)) {
            const allowedByGrant = pinned.get(key.toLowerCase());
            if (operator !== "StringEquals" || allowedByGrant === undefined) return false;
            if (!allowedByGrant.every((value) => list(raw).includes(value))) return false;
        }
    }
    return true;
}

/** No request the grant's conditions admit satisfies the Deny's conditions. */
function conditionsDisjoint(grant: Statement, deny: Statement): boolean {
    const pinned = pinnedValues(grant);
    return Object.entries(deny.Condition ?? {}).some(([operator, keys]) =>
        Object.entries(keys).some(([key, raw]) => {
            const allowedByGrant = pinned.get(key.toLowerCase());
            return operator === "StringNotEquals" && allowedByGrant !== undefined && allowedByGrant.every((value) => list(raw).includes(value));
        }),
    );
}

/**
 * Every (action, resource) an Allow statement of `policy` grants, under its conditions, that
 * `boundary` does not allow: not covered by one boundary Allow (action, resource language and
 * conditions), or reachable by a boundary Deny.
 */
export function grantsOutside(policy: PolicyDocument, boundary: PolicyDocument): string[] {
    const outside: string[] = [];
    for (const grant of policy.Statement.filter((statement) => statement.Effect === "Allow")) {
        for (const action of list(grant.Action)) {
            for (const resource of list(grant.Resource)) {
                const resourceLanguage = compileGlob(resource);
                const covered = boundary.Statement.some(
                    (statement) =>
                        statement.Effect === "Allow" &&
                        languageCovers(list(statement.Action).map((a) => compileGlob(a.toLowerCase())), compileGlob(action.toLowerCase())) === true &&
                        languageCovers(list(statement.Resource).map(compileGlob), resourceLanguage) === true &&
                        conditionImplied(grant, statement),
                );
                const denied = boundary.Statement.some(
                    (statement) =>
                        statement.Effect === "Deny" &&
                        languagesIntersect(list(statement.Action).map((a) => compileGlob(a.toLowerCase())), compileGlob(action.toLowerCase())) !== false &&
                        languagesIntersect(list(statement.Resource).map(compileGlob), resourceLanguage) !== false &&
                        !conditionsDisjoint(grant, statement),
                );
                if (!covered || denied) outside.push(`${grant.Sid ?? "(no Sid)"}: ${action} on ${resource}${denied ? " (denied)" : ""}`);
            }
        }
    }
    return outside;
}
