// Can a role widen itself? The self-escalation paths a role's own policies open, judged by IAM's
// evaluation: an action is allowed when some identity-policy Allow grants it, the permissions
// boundary (if any) allows it too, and no explicit Deny in either covers it (IAM User Guide,
// "Policy evaluation logic" and "Permissions boundaries for IAM entities": effective permissions
// are the intersection of the identity policies and the boundary).
//
// The paths, with their actions, resources and condition keys from AWS's Service Authorization
// Reference for IAM (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html),
// and the escalation research they come from (Rhino Security Labs, "AWS IAM Privilege Escalation –
// Methods and Mitigation", https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/;
// Datadog's pathfinding.cloud catalogue; the PMapper and Cloudsplaining privilege-escalation checks):
//
// - rewrite-trust: iam:UpdateAssumeRolePolicy on the role (resource `role`, no service condition
//   key). Rhino method 14: rewrite a role's trust to let anyone in (here: any repository).
// - rewrite-permissions: iam:PutRolePolicy (Rhino 12) and iam:AttachRolePolicy (Rhino 9) on the
//   role. Both take iam:PermissionsBoundary, which for these actions tests the boundary the target
//   role already has; AttachRolePolicy also takes iam:PolicyARN (the policy being attached).
// - lift-boundary: iam:DeleteRolePermissionsBoundary on the role (its iam:PermissionsBoundary is
//   the boundary being removed), and iam:PutRolePermissionsBoundary, whose iam:PermissionsBoundary
//   is the boundary the request sets: pinned to exact policy ARNs it cannot raise the cap.
// - rewrite-managed-policy: iam:CreatePolicyVersion (Rhino 1, with --set-as-default) and
//   iam:SetDefaultPolicyVersion (Rhino 2, back to an older, broader version) on a customer-managed
//   policy attached to the role or used as its boundary (resource `policy`, no service condition
//   key). AWS-managed policies (account `aws`) cannot be versioned by customers.
// - create-unbounded-role: iam:CreateRole (its iam:PermissionsBoundary is the boundary the new role
//   gets) not pinned to exact boundaries: a role created without a boundary, given policies with
//   iam:PutRolePolicy/AttachRolePolicy, holds whatever the creator writes (Rhino 9/12 on a role
//   of its own making; AWS's "delegate permissions management" example pins CreateRole for this).
//
// iam:DeleteRolePolicy and iam:DetachRolePolicy only take permissions away, so none of the research
// above lists them, and on their own they are no path. They matter in one place: an explicit Deny
// that sits in an inline policy the role can delete, or a managed policy it can detach, does not
// hold (the role removes it first), so such a Deny closes no path opened by another policy. The
// boundary's own Allow and Deny stop holding the same way when the role can lift the boundary.
//
// Allow conditions other than the ones named above are not trusted to stop the role itself (the
// role's own requests satisfy aws:PrincipalTag, aws:SourceIp and the like). Only an unconditional
// Deny closes a path, except a Deny whose single condition is a negated iam:PermissionsBoundary
// test on exact ARNs, which pins CreateRole and PutRolePermissionsBoundary (AWS's boundary examples).

import { ConditionOperator, parseConditionOperator } from "./conditions";
import { parsePolicyDocument, PolicyStatement, quote } from "./document";
import { ANYTHING, compileGlob, globMatches, GlobTokens, languageCovers, languagesIntersect, SEGMENT, target, TargetPart, withWorkBudget } from "./glob";
import { awsManagedPolicyName } from "./managedPolicies";
import { Unresolved } from "./types";

export type SelfEscalationPath =
    | "rewrite-trust"
    | "rewrite-permissions"
    | "lift-boundary"
    | "rewrite-managed-policy"
    | "create-unbounded-role";

/** An IAM role or managed policy, by ARN when known, otherwise by the parts that are known. */
export interface IamEntityRef {
    /** The full ARN, e.g. `arn:aws:iam::123456789012:role/github-actions/deploy-api`. */
    arn?: string;
    /** The name, when the ARN is not known yet. */
    name?: string;
    /** The IAM path (`/` by default, e.g. `/github-actions/`), when the ARN is not known yet. */
    path?: string;
    /** The account, when the ARN is not known yet; any account otherwise. */
    accountId?: string;
    /** The partition (`aws`, `aws-cn`, `aws-us-gov`), when the ARN is not known yet; any otherwise. */
    partition?: string;
}

export interface InlinePolicyInput {
    /** The inline policy's name (or where it is declared), for locators. */
    name: string;
    /** The policy document, a JSON string or an object. */
    document: unknown;
}

export interface ManagedPolicyInput extends IamEntityRef {
    /** The policy's default-version document when known; AWS-managed policies may omit it. */
    document?: unknown;
}

export interface SelfEscalationInput {
    role: IamEntityRef;
    inlinePolicies?: readonly InlinePolicyInput[];
    /** Managed policies attached to the role. */
    managedPolicies?: readonly ManagedPolicyInput[];
    /** The role's permissions boundary; absent when it has none. Without a document it caps nothing keyless can judge. */
    permissionsBoundary?: ManagedPolicyInput;
}

/** One way the role can widen itself. Plain data. */
export interface SelfEscalation {
    path: SelfEscalationPath;
    /** The action, as AWS spells it, e.g. `iam:PutRolePolicy`. */
    action: string;
    /** What it is allowed on: the role's ARN, a policy's ARN, or new roles of the account. */
    resource: string;
    /** The document holding the Allow, e.g. `inline policy "deploy"`. */
    document: string;
    /** The statement, e.g. `Statement[1] (Sid "ManageRoles")`, or `document` for a whole document. */
    statement: string;
    message: string;
    /** True when keyless reports it because it could not decide (unreadable, over the work limit). */
    failClosed: boolean;
}

export interface SelfEscalationAnalysis {
    escalations: SelfEscalation[];
    /** Parts not known yet (Pulumi unknowns) or unreadable; decided once known. */
    unresolved: Unresolved[];
    /** Documents whose contents were not given (e.g. AWS-managed policies), so not judged. */
    unjudged: string[];
}

type Verdict = boolean | undefined;
const not = (verdict: Verdict): Verdict => (verdict === undefined ? undefined : !verdict);

/** A document the role's permissions come from, and how the role could make it stop applying. */
interface Source {
    kind: "inline" | "managed" | "boundary";
    label: string;
    statements: PolicyStatement[];
}

type Scope = "self" | "managed" | "any-role";

interface EscalationAction {
    path: SelfEscalationPath | "remove-inline" | "remove-managed";
    action: string;
    scope: Scope;
    /** iam:PermissionsBoundary tests the role's existing boundary (the target role is this role). */
    existingBoundaryKey?: boolean;
    /** iam:PermissionsBoundary tests the boundary the request sets; exact values pin the path. */
    requestBoundaryKey?: boolean;
    /** Only an escalation when the role has a boundary. */
    needsBoundary?: boolean;
    /** AttachRolePolicy's iam:PolicyARN: exact values limit which policies it can attach. */
    policyArnKey?: boolean;
    why: string;
}

const ACTIONS: readonly EscalationAction[] = [
    {
        path: "rewrite-trust",
        action: "iam:UpdateAssumeRolePolicy",
        scope: "self",
        why: "it can rewrite its own trust policy, so any principal it names (any repository) can assume it, also after the job ends",
    },
    {
        path: "rewrite-permissions",
        action: "iam:PutRolePolicy",
        scope: "self",
        existingBoundaryKey: true,
        why: "it can write itself any inline policy, up to what its boundary allows",
    },
    {
        path: "rewrite-permissions",
        action: "iam:AttachRolePolicy",
        scope: "self",
        existingBoundaryKey: true,
        policyArnKey: true,
        why: "it can attach any managed policy to itself (AdministratorAccess included), up to what its boundary allows",
    },
    {
        path: "lift-boundary",
        action: "iam:DeleteRolePermissionsBoundary",
        scope: "self",
        existingBoundaryKey: true,
        needsBoundary: true,
        why: "it can remove its own permissions boundary, so its own policies are no longer capped",
    },
    {
        path: "lift-boundary",
        action: "iam:PutRolePermissionsBoundary",
        scope: "self",
        requestBoundaryKey: true,
        needsBoundary: true,
        why: "it can replace its own permissions boundary with a broader policy (no iam:PermissionsBoundary condition pins it to exact ARNs)",
    },
    {
        path: "rewrite-managed-policy",
        action: "iam:CreatePolicyVersion",
        scope: "managed",
        why: "it can write a new default version of a managed policy it is attached to or bounded by",
    },
    {
        path: "rewrite-managed-policy",
        action: "iam:SetDefaultPolicyVersion",
        scope: "managed",
        why: "it can switch a managed policy it is attached to or bounded by back to another (older, broader) version",
    },
    {
        path: "create-unbounded-role",
        action: "iam:CreateRole",
        scope: "any-role",
        requestBoundaryKey: true,
        why: "it can create roles without a permissions boundary (no iam:PermissionsBoundary condition pins one), and give them any permission",
    },
];
const REMOVE_INLINE: EscalationAction = {
    path: "remove-inline",
    action: "iam:DeleteRolePolicy",
    scope: "self",
    existingBoundaryKey: true,
    why: "it can delete its own inline policies",
};
const REMOVE_MANAGED: EscalationAction = {
    path: "remove-managed",
    action: "iam:DetachRolePolicy",
    scope: "self",
    existingBoundaryKey: true,
    why: "it can detach its own managed policies",
};

/** Known AWS-managed documents that decide every path (both are admin access in iam-no-admin-access too). */
const KNOWN_AWS_MANAGED: Readonly<Record<string, unknown>> = {
    administratoraccess: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    iamfullaccess: {
        Version: "2012-10-17",
        Statement: [
            { Effect: "Allow", Action: ["iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization", "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy", "organizations:ListChildren", "organizations:ListParents", "organizations:ListPoliciesForTarget", "organizations:ListRoots", "organizations:ListPolicies", "organizations:ListTargetsForPolicy"], Resource: "*" },
        ],
    },
};

/** Coverage work for one role, all its documents together (see glob.ts). */
export const MAX_WORK_PER_ROLE = 40_000_000;

const WILDCARD = /[*?]/;

function normalisePath(path: string | undefined): string | undefined {
    if (path === undefined || path === "") {
        return undefined;
    }
    return `${path.startsWith("/") ? "" : "/"}${path}${path.endsWith("/") ? "" : "/"}`;
}

/** The ARN language of a role or policy: one ARN when known, otherwise every ARN its known parts allow. */
function entityLanguage(kind: "role" | "policy", ref: IamEntityRef): GlobTokens | undefined {
    if (typeof ref.arn === "string" && ref.arn !== "") {
        return target(ref.arn);
    }
    const path = normalisePath(ref.path);
    if (ref.name === undefined || ref.name === "") {
        // No name (e.g. a generated one): every role or policy of the path could be this one.
        return kind === "role"
            ? target("arn:", ref.partition ?? SEGMENT, ":iam::", ref.accountId ?? SEGMENT, `:${kind}`, ...(path === undefined ? ["/", ANYTHING] : [path, ANYTHING]))
            : undefined;
    }
    // Without a path, `role/` + anything + name: every path, the default `/` included (a superset).
    const pathParts: TargetPart[] = path === undefined ? ["/", ANYTHING] : [path];
    return target("arn:", ref.partition ?? SEGMENT, ":iam::", ref.accountId ?? SEGMENT, `:${kind}`, ...pathParts, ref.name);
}

function describeEntity(kind: "role" | "policy", ref: IamEntityRef): string {
    if (typeof ref.arn === "string" && ref.arn !== "") {
        return ref.arn;
    }
    const path = normalisePath(ref.path) ?? "/";
    return `arn:${ref.partition ?? "<partition>"}:iam::${ref.accountId ?? "<account>"}:${kind}${path}${ref.name ?? "<name>"}`;
}

function accountPart(ref: IamEntityRef): { partition: TargetPart; account: TargetPart } {
    const match = typeof ref.arn === "string" ? /^arn:([^:]+):iam::([^:]+):/.exec(ref.arn) : null;
    return {
        partition: match?.[1] ?? ref.partition ?? SEGMENT,
        account: match?.[2] ?? ref.accountId ?? SEGMENT,
    };
}

function isAwsManaged(ref: IamEntityRef): boolean {
    return typeof ref.arn === "string" && awsManagedPolicyName(ref.arn) !== undefined;
}

function actionGranted(statement: PolicyStatement, action: string): boolean {
    const lower = action.toLowerCase();
    if (statement.action !== undefined) {
        return statement.action.some((pattern) => globMatches(pattern.toLowerCase(), lower));
    }
    if (statement.notAction !== undefined) {
        return !statement.notAction.some((pattern) => globMatches(pattern.toLowerCase(), lower));
    }
    return false;
}

const globs = (patterns: readonly string[]): GlobTokens[] => patterns.map((p) => compileGlob(p));

/** Do the statement's resources include some ARN of the language? */
function resourcesReach(statement: PolicyStatement, language: GlobTokens): Verdict {
    if (statement.resource !== undefined) {
        return languagesIntersect(globs(statement.resource), language);
    }
    if (statement.notResource !== undefined) {
        return not(languageCovers(globs(statement.notResource), language));
    }
    return false;
}

/** Do these (Deny) statements' resources cover every ARN of the language the Allow reaches? */
function resourcesCover(denies: readonly PolicyStatement[], allow: PolicyStatement, language: GlobTokens): boolean {
    const denied: string[] = [];
    for (const deny of denies) {
        if (deny.notResource !== undefined && languagesIntersect(globs(deny.notResource), language) === false) {
            return true;
        }
        denied.push(...(deny.resource ?? []));
    }
    if (denied.length === 0) {
        return false;
    }
    const deniedGlobs = globs(denied);
    if (languageCovers(deniedGlobs, language) === true) {
        return true;
    }
    // The Deny covers every resource of the Allow that reaches the target.
    return (
        allow.resource !== undefined &&
        allow.resource.every((r) => languagesIntersect([compileGlob(r)], language) === false || languageCovers(deniedGlobs, compileGlob(r)) === true)
    );
}

const POSITIVE_BASES = new Set(["StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"]);

function isBoundaryKey(key: string): boolean {
    return key.toLowerCase() === "iam:permissionsboundary";
}

/** Values that name exact ARNs under this operator (no wildcard where it is one, no policy variable). */
function exactValues(operator: ConditionOperator, values: readonly string[]): boolean {
    return values.length > 0 && values.every((v) => v !== "" && !v.includes("${") && !(operator.wildcards && WILDCARD.test(v)));
}

function valueMatches(operator: ConditionOperator, pattern: string, value: string): boolean {
    if (operator.base === "StringEqualsIgnoreCase") {
        return pattern.toLowerCase() === value.toLowerCase();
    }
    return operator.wildcards ? globMatches(pattern, value) : pattern === value;
}

/**
 * Could this condition be true for a request on the role itself, where the key tests the role's
 * existing boundary: `undefined` when it has none, `unknown` when its ARN is not known? IAM:
 * a key absent from the request fails positive operators and satisfies negated ones; IfExists
 * and ForAllValues: are true when it is absent (IAM User Guide, "Condition operators").
 */
function holdsForExistingBoundary(operator: ConditionOperator, values: readonly string[], boundary: string | undefined | "unknown"): boolean {
    if (!operator.known) {
        return true;
    }
    if (operator.base === "Null") {
        const wantsAbsent = values.some((v) => v.toLowerCase() === "true");
        return boundary === "unknown" || wantsAbsent === (boundary === undefined);
    }
    if (boundary === undefined) {
        return operator.ifExists || operator.forAllValues || operator.negated;
    }
    if (boundary === "unknown") {
        return true;
    }
    if (POSITIVE_BASES.has(operator.base)) {
        return values.some((v) => valueMatches(operator, v, boundary));
    }
    if (["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"].includes(operator.base)) {
        const positive = parseConditionOperator(operator.base.replace("Not", ""));
        return !values.some((v) => valueMatches(positive, v, boundary));
    }
    return true;
}

/**
 * Does this Allow condition pin the boundary a request sets (CreateRole, PutRolePermissionsBoundary)
 * to exact ARNs? For CreateRole the key is absent when no boundary is requested, so IfExists and
 * ForAllValues: let that through; PutRolePermissionsBoundary always carries it.
 */
function pinsRequestBoundary(operator: ConditionOperator, values: readonly string[], keyAlwaysPresent: boolean): boolean {
    if (!operator.known || operator.negated || !POSITIVE_BASES.has(operator.base)) {
        return false;
    }
    if (!keyAlwaysPresent && (operator.ifExists || operator.forAllValues)) {
        return false;
    }
    return exactValues(operator, values);
}

/** A Deny whose only condition is a negated iam:PermissionsBoundary test on exact ARNs: it denies every other boundary, and none. */
function denyPinsRequestBoundary(statement: PolicyStatement): boolean {
    if (statement.conditions.length !== 1 || !isBoundaryKey(statement.conditions[0].key)) {
        return false;
    }
    const operator = parseConditionOperator(statement.conditions[0].operator);
    return (
        operator.known &&
        operator.negated &&
        !operator.forAllValues &&
        ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"].includes(operator.base) &&
        exactValues(operator, statement.conditions[0].values)
    );
}

interface Context {
    roleLanguage: GlobTokens | undefined;
    roleText: string;
    anyRoleLanguage: GlobTokens;
    /** Customer-managed policies the role is attached to or bounded by, with their ARN languages. */
    managedTargets: Array<{ language: GlobTokens; text: string }>;
    boundary: ManagedPolicyInput | undefined;
    boundaryArn: string | undefined | "unknown";
    identity: Source[];
    boundarySource: Source | undefined;
    denies: Array<{ source: Source; statement: PolicyStatement }>;
}

/** Which documents the role can make stop applying (found by iterating to a fixed point). */
interface Removable {
    inline: boolean;
    managed: boolean;
    boundary: boolean;
}

interface Grant {
    escalation: EscalationAction;
    source: Source;
    statement: PolicyStatement;
    resource: string;
    decided: boolean;
    /** Denies that would have closed it but sit in documents the role can remove. */
    bypassed: Source[];
}

function removable(source: Source, state: Removable): boolean {
    return source.kind === "inline" ? state.inline : source.kind === "managed" ? state.managed : state.boundary;
}

/** Do the Allow's conditions leave the escalation open for this role? */
function conditionsAllow(statement: PolicyStatement, escalation: EscalationAction, context: Context): boolean {
    for (const clause of statement.conditions) {
        const operator = parseConditionOperator(clause.operator);
        const key = clause.key.toLowerCase();
        if (isBoundaryKey(key) && escalation.requestBoundaryKey) {
            if (pinsRequestBoundary(operator, clause.values, escalation.action === "iam:PutRolePermissionsBoundary")) {
                return false;
            }
        } else if (isBoundaryKey(key) && escalation.existingBoundaryKey) {
            if (!holdsForExistingBoundary(operator, clause.values, context.boundaryArn)) {
                return false;
            }
        } else if (key === "iam:policyarn" && escalation.policyArnKey) {
            // Only these policies can be attached: an escalation when one of them is admin by name.
            if (pinsRequestBoundary(operator, clause.values, true) && !clause.values.some((arn) => isAdminByName(arn))) {
                return false;
            }
        }
    }
    return true;
}

function isAdminByName(arn: string): boolean {
    const name = awsManagedPolicyName(arn)?.toLowerCase();
    return name !== undefined && KNOWN_AWS_MANAGED[name] !== undefined;
}

/** The ARN languages an escalation is about, each with its text for messages. */
function targetsOf(escalation: EscalationAction, context: Context): Array<{ language: GlobTokens; text: string }> {
    if (escalation.scope === "self") {
        return context.roleLanguage === undefined ? [] : [{ language: context.roleLanguage, text: context.roleText }];
    }
    if (escalation.scope === "managed") {
        return context.managedTargets;
    }
    return [{ language: context.anyRoleLanguage, text: "new roles of the account" }];
}

/** The Allows that grant the escalation in spite of the boundary and the Denies that hold. */
function grantsOf(escalation: EscalationAction, context: Context, state: Removable): Grant[] {
    if (escalation.needsBoundary && context.boundary === undefined) {
        return [];
    }
    const grants: Grant[] = [];
    for (const target of targetsOf(escalation, context)) {
        for (const source of context.identity) {
            for (const statement of source.statements) {
                if (statement.effect !== "Allow" || !actionGranted(statement, escalation.action) || !conditionsAllow(statement, escalation, context)) {
                    continue;
                }
                const reach = resourcesReach(statement, target.language);
                if (reach === false) {
                    continue;
                }
                let decided = reach === true;
                if (context.boundarySource !== undefined && !state.boundary) {
                    const verdicts = context.boundarySource.statements
                        .filter((b) => b.effect === "Allow" && actionGranted(b, escalation.action) && conditionsAllow(b, escalation, context))
                        .map((b) => resourcesReach(b, target.language));
                    if (!verdicts.some((v) => v !== false)) {
                        continue; // the boundary does not allow it
                    }
                    decided = decided && verdicts.some((v) => v === true);
                }
                const holding: PolicyStatement[] = [];
                const bypassed: Source[] = [];
                for (const deny of context.denies) {
                    if (!actionGranted(deny.statement, escalation.action)) {
                        continue;
                    }
                    const unconditional = deny.statement.conditions.length === 0;
                    if (!unconditional && !(escalation.requestBoundaryKey && denyPinsRequestBoundary(deny.statement))) {
                        continue;
                    }
                    if (deny.source !== source && removable(deny.source, state)) {
                        if (resourcesCover([deny.statement], statement, target.language)) {
                            bypassed.push(deny.source);
                        }
                        continue;
                    }
                    holding.push(deny.statement);
                }
                if (holding.length > 0 && resourcesCover(holding, statement, target.language)) {
                    continue;
                }
                grants.push({ escalation, source, statement, resource: target.text, decided, bypassed });
            }
        }
    }
    return grants;
}

function removalText(source: Source): string {
    return source.kind === "inline"
        ? "it can delete that inline policy (iam:DeleteRolePolicy on itself)"
        : source.kind === "managed"
          ? "it can detach that policy (iam:DetachRolePolicy on itself)"
          : "it can lift that boundary";
}

function messageFor(grant: Grant): string {
    const { escalation, statement } = grant;
    const granted =
        statement.action !== undefined
            ? `Action ${quote(statement.action.find((a) => globMatches(a.toLowerCase(), escalation.action.toLowerCase())) ?? statement.action)}`
            : `NotAction ${quote(statement.notAction)}, which does not exclude it`;
    const resource =
        statement.resource !== undefined
            ? `Resource ${quote(statement.resource.length === 1 ? statement.resource[0] : statement.resource)}`
            : `NotResource ${quote(statement.notResource)}, which grants every resource it does not list`;
    if (!grant.decided) {
        return (
            `keyless could not decide within its work limit whether this statement allows ${escalation.action} on ${grant.resource} ` +
            `(its patterns are unusually complex), so it fails closed; write its actions and resources out plainly.`
        );
    }
    const bypass =
        grant.bypassed.length > 0
            ? ` The Deny in ${[...new Set(grant.bypassed.map((s) => s.label))].join(", ")} does not hold: ${[...new Set(grant.bypassed.map(removalText))].join("; ")}.`
            : "";
    const fix =
        escalation.scope === "any-role"
            ? `Add {"StringEquals": {"iam:PermissionsBoundary": "<boundary ARN>"}} to the statement, or drop ${escalation.action}.`
            : escalation.action === "iam:PutRolePermissionsBoundary"
              ? `Pin it with {"StringEquals": {"iam:PermissionsBoundary": "<boundary ARN>"}}, or drop it.`
              : `Scope its Resource to other roles' or policies' ARNs, or add a Deny of ${escalation.action} on ${grant.resource}.`;
    return `allows ${escalation.action} (${granted}) on ${grant.resource} (${resource}): ${escalation.why}.${bypass} ${fix}`;
}

/**
 * Reads one document into a source; unreadable documents and statements become fail-closed entries.
 * `pending` is set when a part not known yet may be a Deny (which could close a path).
 */
function sourceFor(
    kind: Source["kind"],
    label: string,
    document: unknown,
    analysis: SelfEscalationAnalysis,
    pending: { deny: boolean },
): Source | undefined {
    const parsed = parsePolicyDocument(document);
    analysis.unresolved.push(...parsed.unresolved.map((u) => ({ ...u, path: `${label} ${u.path}` })));
    if (parsed.unresolved.length > 0) {
        pending.deny = true;
    }
    if (!parsed.readable) {
        analysis.escalations.push({
            path: "rewrite-permissions",
            action: "*",
            resource: "*",
            document: label,
            statement: "document",
            message: `the document cannot be read: ${parsed.problems.join("; ")}. keyless cannot tell whether it lets the role rewrite itself, so it fails closed.`,
            failClosed: true,
        });
        return undefined;
    }
    const statements: PolicyStatement[] = [];
    for (const statement of parsed.statements) {
        if (statement.problems.length > 0) {
            analysis.escalations.push({
                path: "rewrite-permissions",
                action: "*",
                resource: "*",
                document: label,
                statement: statement.label,
                message: `${statement.problems.join("; ")}. keyless cannot tell what this statement allows, so it fails closed; fix the statement.`,
                failClosed: true,
            });
        } else if (statement.unresolved.length > 0) {
            analysis.unresolved.push(...statement.unresolved.map((u) => ({ ...u, path: `${label} ${u.path}` })));
            if (statement.effect?.toLowerCase() !== "allow") {
                pending.deny = true;
            }
        } else {
            statements.push({ ...statement, effect: statement.effect?.toLowerCase() === "allow" ? "Allow" : "Deny" });
        }
    }
    return { kind, label, statements };
}

function documentOf(policy: ManagedPolicyInput): unknown {
    if (policy.document !== undefined) {
        return policy.document;
    }
    const name = typeof policy.arn === "string" ? awsManagedPolicyName(policy.arn)?.toLowerCase() : undefined;
    return name === undefined ? undefined : KNOWN_AWS_MANAGED[name];
}

/** The self-escalation paths a role has. Never throws: a failure becomes a fail-closed entry. */
export function analyzeSelfEscalation(input: SelfEscalationInput): SelfEscalationAnalysis {
    const analysis: SelfEscalationAnalysis = { escalations: [], unresolved: [], unjudged: [] };
    try {
        return withWorkBudget(MAX_WORK_PER_ROLE, () => analyse(input, analysis));
    } catch (error) {
        analysis.escalations.push({
            path: "rewrite-permissions",
            action: "*",
            resource: "*",
            document: "role",
            statement: "document",
            message: `keyless could not analyse the role (${error instanceof Error ? error.message : String(error)}), so it fails closed.`,
            failClosed: true,
        });
        return analysis;
    }
}

function analyse(input: SelfEscalationInput, analysis: SelfEscalationAnalysis): SelfEscalationAnalysis {
    const role = input.role;
    const identity: Source[] = [];
    const pending = { deny: false };
    for (const inline of input.inlinePolicies ?? []) {
        const source = sourceFor("inline", `inline policy ${quote(inline.name)}`, inline.document, analysis, pending);
        if (source !== undefined) identity.push(source);
    }
    const managedTargets: Context["managedTargets"] = [];
    const addManagedTarget = (policy: ManagedPolicyInput, label: string): void => {
        if (isAwsManaged(policy)) {
            return;
        }
        const language = entityLanguage("policy", policy);
        if (language === undefined) {
            analysis.unresolved.push({ path: `${label} ARN` });
            return;
        }
        managedTargets.push({ language, text: describeEntity("policy", policy) });
    };
    for (const [index, policy] of (input.managedPolicies ?? []).entries()) {
        const label = `managed policy ${quote(policy.arn ?? policy.name ?? `#${index}`)}`;
        addManagedTarget(policy, label);
        const document = documentOf(policy);
        if (document === undefined) {
            analysis.unjudged.push(label);
            continue;
        }
        const source = sourceFor("managed", label, document, analysis, pending);
        if (source !== undefined) identity.push(source);
    }
    const boundary = input.permissionsBoundary;
    let boundarySource: Source | undefined;
    if (boundary !== undefined) {
        const label = `permissions boundary ${quote(boundary.arn ?? boundary.name ?? "of the role")}`;
        addManagedTarget(boundary, label);
        const document = documentOf(boundary);
        if (document === undefined) {
            analysis.unjudged.push(label);
        } else {
            boundarySource = sourceFor("boundary", label, document, analysis, pending);
        }
    }
    const roleLanguage = entityLanguage("role", role);
    if (roleLanguage === undefined) {
        analysis.unresolved.push({ path: "role ARN" });
    }
    const { partition, account } = accountPart(role);
    const context: Context = {
        roleLanguage,
        roleText: describeEntity("role", role),
        anyRoleLanguage: target("arn:", partition, ":iam::", account, ":role/", ANYTHING),
        managedTargets,
        boundary,
        boundaryArn: boundary === undefined ? undefined : typeof boundary.arn === "string" && boundary.arn !== "" ? boundary.arn : "unknown",
        identity,
        boundarySource,
        denies: [...identity, ...(boundarySource === undefined ? [] : [boundarySource])].flatMap((source) =>
            source.statements.filter((s) => s.effect === "Deny").map((statement) => ({ source, statement })),
        ),
    };
    // Which documents the role can remove, to a fixed point: removing one may free another removal.
    let state: Removable = { inline: false, managed: false, boundary: false };
    let grants: Grant[] = [];
    for (let round = 0; round < 4; round++) {
        grants = ACTIONS.flatMap((escalation) => grantsOf(escalation, context, state));
        const next: Removable = {
            inline: state.inline || grantsOf(REMOVE_INLINE, context, state).some((g) => g.decided),
            managed: state.managed || grantsOf(REMOVE_MANAGED, context, state).some((g) => g.decided),
            boundary: state.boundary || grants.some((g) => g.escalation.path === "lift-boundary" && g.decided),
        };
        if (next.inline === state.inline && next.managed === state.managed && next.boundary === state.boundary) {
            break;
        }
        state = next;
    }
    for (const grant of grants) {
        if (pending.deny) {
            // A statement not known yet may be a Deny that closes this path: decided once known.
            analysis.unresolved.push({ path: `${grant.source.label} ${grant.statement.label} (may be closed by a statement that is not known yet)` });
            continue;
        }
        analysis.escalations.push({
            path: grant.escalation.path as SelfEscalationPath,
            action: grant.escalation.action,
            resource: grant.resource,
            document: grant.source.label,
            statement: grant.statement.label,
            message: messageFor(grant),
            failClosed: !grant.decided,
        });
    }
    return analysis;
}

/** The self-escalation paths a role has, fail-closed entries included. Never throws. */
export function findSelfEscalations(input: SelfEscalationInput): SelfEscalation[] {
    return analyzeSelfEscalation(input).escalations;
}
