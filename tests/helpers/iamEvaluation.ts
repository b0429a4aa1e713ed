// Small IAM evaluation for the tests of keyless's own permissions, built on the pack's glob
// functions (policy/analysis/glob.ts): whether a policy allows one request, and whether every
// grant of one policy falls inside another (a permissions boundary), and whether a role's identity
// policy and boundary together let it change itself or its boundary. It covers what keyless's
// documents use: Allow/Deny, Action/NotAction and Resource/NotResource lists, and StringEquals,
// StringNotEquals, StringLike, ArnEquals and ArnLike conditions (IAM User Guide, "IAM JSON policy
// elements: Condition operators": the ARN operators match each ARN field with * and ?); anything
// else is reported as unsupported rather than guessed.

import { compileGlob, globMatches, languageCovers, languagesIntersect } from "../../policy/analysis/glob";
import { KeylessConfig } from "../../components/config";
import { iamRoleArn } from "../../components/names";
import { boundaryArgsForStack, permissionsBoundaryDocument } from "../../components/permissionsBoundary";
import { PolicyDocument, Statement } from "../../components/presets";

/** A statement as a test may write it: NotAction and NotResource as well (IAM accepts them; keyless never writes them). */
type AnyStatement = Statement & { readonly NotAction?: string | string[]; readonly NotResource?: string | string[] };

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
                case "ArnEquals":
                case "ArnLike":
                    if (present === undefined || !values.some((value) => globMatches(value, present))) return false;
                    break;
                case "ArnNotEquals":
                case "ArnNotLike":
                    if (present !== undefined && values.some((value) => globMatches(value, present))) return false;
                    break;
                default:
                    throw new Error(`unsupported condition operator ${operator}`);
            }
        }
    }
    return true;
}

function matches(statement: AnyStatement, request: Request): boolean {
    const actionListed = (actions: string | string[] | undefined) =>
        list(actions).some((action) => globMatches(action.toLowerCase(), request.action.toLowerCase()));
    const resourceListed = (resources: string | string[] | undefined) => list(resources).some((resource) => globMatches(resource, request.resource));
    return (
        (statement.NotAction !== undefined ? !actionListed(statement.NotAction) : actionListed(statement.Action)) &&
        (statement.NotResource !== undefined ? !resourceListed(statement.NotResource) : resourceListed(statement.Resource)) &&
        conditionHolds(statement.Condition, request.context ?? {})
    );
}

/** An explicit Allow matches and no Deny does. */
export function allows(document: PolicyDocument, request: Request): boolean {
    const applicable = document.Statement.filter((statement) => matches(statement, request));
    return applicable.some((s) => s.Effect === "Allow") && !applicable.some((s) => s.Effect === "Deny");
}

/**
 * Whether a role whose identity policies are `identity` (or "unknown": managed policies whose
 * documents the test cannot read, taken to allow everything) and whose boundary is `boundary`
 * may make the request: both allow it and neither denies it (IAM User Guide, "Policy evaluation
 * logic": with a permissions boundary, the effective permissions are the intersection).
 */
export function effectivelyAllows(identity: PolicyDocument | "unknown", boundary: PolicyDocument | undefined, request: Request): boolean {
    const identityAllows = identity === "unknown" || allows(identity, request);
    return identityAllows && (boundary === undefined || allows(boundary, request));
}

/** One role as IAM evaluates it: its ARN, its identity policies, its boundary. */
export interface EvaluatedRole {
    readonly arn: string;
    readonly identity: PolicyDocument | "unknown";
    readonly boundary?: PolicyDocument;
    /** The ARN of the managed policy set as its boundary. */
    readonly boundaryArn?: string;
}

/**
 * Every way the role could widen itself: change its own trust, policies, tags or existence,
 * lift or replace its boundary, or rewrite its boundary policy. Each of `roleActions` on its own
 * ARN (PutRolePermissionsBoundary also with another boundary and with its own), each of
 * `policyActions` on its boundary's ARN; the request carries the role as aws:PrincipalArn.
 */
export function selfEscalations(role: EvaluatedRole, roleActions: readonly string[], policyActions: readonly string[]): string[] {
    const principal = { "aws:PrincipalArn": role.arn };
    const requests: Request[] = [];
    for (const action of roleActions) {
        requests.push({ action, resource: role.arn, context: principal });
        if (action === "iam:PutRolePermissionsBoundary") {
            requests.push({ action, resource: role.arn, context: { ...principal, "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess" } });
            if (role.boundaryArn) requests.push({ action, resource: role.arn, context: { ...principal, "iam:PermissionsBoundary": role.boundaryArn } });
        }
    }
    if (role.boundaryArn) for (const action of policyActions) requests.push({ action, resource: role.boundaryArn, context: principal });
    return requests
        .filter((request) => effectivelyAllows(role.identity, role.boundary, request))
        .map((request) => `${request.action} on ${request.resource}${request.context?.["iam:PermissionsBoundary"] ? ` with boundary ${request.context["iam:PermissionsBoundary"]}` : ""}`);
}

/**
 * Every role of a checked stack config as IAM evaluates it: its ARN, its inline policy (or
 * "unknown" when managed policies are attached, whose documents the test cannot read) and the
 * stack's boundary document when it carries one.
 */
export function stackRoles(config: KeylessConfig): (EvaluatedRole & {
    readonly key: string;
    readonly keyless: boolean;
    /** The role's inline policy, and its attachments. */
    readonly inline: PolicyDocument;
    readonly managedPolicyArns: readonly string[];
})[] {
    const args = boundaryArgsForStack(config);
    const boundary = "problem" in args ? undefined : permissionsBoundaryDocument(args);
    return config.deployments.map((deployment) => ({
        key: `${config.stack} ${deployment.key} (${deployment.roleName})`,
        keyless: deployment.presets.keyless !== undefined,
        arn: iamRoleArn(config.partition, config.accountId, config.rolePath, deployment.roleName),
        identity: deployment.managedPolicyArns.length > 0 ? "unknown" : deployment.permissions,
        inline: deployment.permissions,
        managedPolicyArns: deployment.managedPolicyArns,
        boundaryArn: deployment.permissionsBoundaryArn,
        boundary: deployment.permissionsBoundaryArn === undefined ? undefined : boundary,
    }));
}

/** StringEquals values the statement pins each condition key to (lower-case key). */
function pinnedValues(statement: Statement): Map<string, string[]> {
    const pinned = new Map<string, string[]>();
    for (const [key, raw] of Object.entries(statement.Condition?.StringEquals ?? {})) pinned.set(key.toLowerCase(), list(raw));
    return pinned;
}

/** Whether the context decides the key, and then whether the condition holds for it. */
function decidedByContext(operator: string, key: string, raw: string | string[], context: Readonly<Record<string, string>>): boolean | undefined {
    if (!Object.keys(context).some((name) => name.toLowerCase() === key.toLowerCase())) return undefined;
    return conditionHolds({ [operator]: { [key]: raw } }, context);
}

/** The boundary statement's conditions hold for every request the grant's conditions admit. */
function conditionImplied(grant: Statement, boundary: Statement, context: Readonly<Record<string, string>>): boolean {
    const pinned = pinnedValues(grant);
    for (const [operator, keys] of Object.entries(boundary.Condition ?? {})) {
        for (const [key, raw] of Object.entries(keys)) {
            const decided = decidedByContext(operator, key, raw, context);
            if (decided !== undefined) {
                if (!decided) return false;
                continue;
            }
            const allowedByGrant = pinned.get(key.toLowerCase());
            if (operator !== "StringEquals" || allowedByGrant === undefined) return false;
            if (!allowedByGrant.every((value) => list(raw).includes(value))) return false;
        }
    }
    return true;
}

/** No request the grant's conditions admit satisfies the Deny's conditions. */
function conditionsDisjoint(grant: Statement, deny: Statement, context: Readonly<Record<string, string>>): boolean {
    const pinned = pinnedValues(grant);
    return Object.entries(deny.Condition ?? {}).some(([operator, keys]) =>
        Object.entries(keys).some(([key, raw]) => {
            const decided = decidedByContext(operator, key, raw, context);
            if (decided !== undefined) return !decided;
            const allowedByGrant = pinned.get(key.toLowerCase());
            return operator === "StringNotEquals" && allowedByGrant !== undefined && allowedByGrant.every((value) => list(raw).includes(value));
        }),
    );
}

/**
 * Whether every request a boundary Deny of literal actions and resources could match within the
 * grant is denied by the policy itself too (an unconditional Deny of its own): the policy then
 * never relies on what the boundary takes away.
 */
function deniedByPolicyToo(policy: PolicyDocument, grantAction: string, grantResource: string, deny: Statement): boolean {
    const ownDenies = policy.Statement.filter((statement) => statement.Effect === "Deny" && statement.Condition === undefined);
    for (const action of list(deny.Action)) {
        if (/[*?]/.test(action) || !globMatches(grantAction.toLowerCase(), action.toLowerCase())) {
            if (/[*?]/.test(action)) return false;
            continue;
        }
        for (const resource of list(deny.Resource)) {
            if (/[*?]/.test(resource)) return false;
            if (!globMatches(grantResource, resource)) continue;
            if (!ownDenies.some((own) => matches(own, { action, resource }))) return false;
        }
    }
    return true;
}

/**
 * Every (action, resource) an Allow statement of `policy` grants, under its conditions, that
 * `boundary` does not allow: not covered by one boundary Allow (action, resource language and
 * conditions), or reachable by a boundary Deny that the policy does not itself apply. `context`:
 * condition keys every request of the role carries, e.g. its aws:PrincipalArn.
 */
export function grantsOutside(policy: PolicyDocument, boundary: PolicyDocument, context: Readonly<Record<string, string>> = {}): string[] {
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
                        conditionImplied(grant, statement, context),
                );
                const denied = boundary.Statement.some(
                    (statement) =>
                        statement.Effect === "Deny" &&
                        languagesIntersect(list(statement.Action).map((a) => compileGlob(a.toLowerCase())), compileGlob(action.toLowerCase())) !== false &&
                        languagesIntersect(list(statement.Resource).map(compileGlob), resourceLanguage) !== false &&
                        !conditionsDisjoint(grant, statement, context) &&
                        !deniedByPolicyToo(policy, action, resource, statement),
                );
                if (!covered || denied) outside.push(`${grant.Sid ?? "(no Sid)"}: ${action} on ${resource}${denied ? " (denied)" : ""}`);
            }
        }
    }
    return outside;
}
