// What a permission policy grants, decided by IAM's rules: iam:PassRole on every role, and admin access.
//
// A grant is an Allow statement whose actions cover the target action(s) and whose resources cover the
// target resources. Actions are matched case-insensitively, resources case-sensitively; NotAction and
// NotResource grant everything they do not list. Conditions on an Allow do not make it acceptable
// (iam:PassedToService limits where a role goes, not which role). An explicit Deny cancels a grant only
// when it is unconditional and covers the same actions and resources.

import { parsePolicyDocument, PolicyStatement, quote } from "./document";
import {
    ANYTHING,
    compileGlob,
    coversSomePrefix,
    globMatches,
    GlobTokens,
    languageCovers,
    languagesIntersect,
    SEGMENT,
    target,
    withWorkBudget,
} from "./glob";
import { Finding, PolicyName, Unresolved } from "./types";

const PASSROLE: PolicyName = "iam-no-passrole-on-all-roles";
const ADMIN: PolicyName = "iam-no-admin-access";

/** At most this many findings per policy per document; the rest are summarised in one more. */
export const MAX_FINDINGS_PER_POLICY = 25;

type ActionTarget = { kind: "action"; action: string } | { kind: "language"; tokens: GlobTokens };

interface GrantTarget {
    policy: PolicyName;
    actions: ActionTarget;
    /** Resources as "some concrete prefix, then anything": every role, or everything, of one account. */
    resourcePrefix: GlobTokens;
    describeActions: string;
    describeResources: string;
}

const PASSROLE_TARGET: GrantTarget = {
    policy: PASSROLE,
    actions: { kind: "action", action: "iam:passrole" },
    resourcePrefix: target("arn:", SEGMENT, ":iam::", SEGMENT, ":role/"),
    describeActions: "iam:PassRole",
    describeResources: "every role in the account",
};
const EVERY_ACTION_TARGET: GrantTarget = {
    policy: ADMIN,
    actions: { kind: "language", tokens: target(SEGMENT, ":", SEGMENT) },
    resourcePrefix: target("arn:", SEGMENT, ":"),
    describeActions: "every action",
    describeResources: "every resource",
};
const ALL_OF_IAM_TARGET: GrantTarget = {
    policy: ADMIN,
    actions: { kind: "language", tokens: target("iam:", SEGMENT) },
    resourcePrefix: target("arn:", SEGMENT, ":iam::", SEGMENT, ":"),
    describeActions: "all of IAM",
    describeResources: "every IAM resource",
};

/** A finding, and whether it reports a grant or a statement keyless could not read (failing closed). */
export interface PermissionFinding extends Finding {
    failClosed: boolean;
}

export interface PermissionAnalysis {
    findings: PermissionFinding[];
    unresolved: Unresolved[];
}

const lowerGlobs = (patterns: readonly string[]): GlobTokens[] => patterns.map((p) => compileGlob(p.toLowerCase()));
const globs = (patterns: readonly string[]): GlobTokens[] => patterns.map((p) => compileGlob(p));

/** true / false, or undefined when the question could not be decided within the work budget. */
type Verdict = boolean | undefined;

const not = (verdict: Verdict): Verdict => (verdict === undefined ? undefined : !verdict);

/** Do the statement's actions include the target? */
function actionsVerdict(statement: PolicyStatement, actions: ActionTarget): Verdict {
    if (statement.action !== undefined) {
        return actions.kind === "action"
            ? statement.action.some((a) => globMatches(a.toLowerCase(), actions.action))
            : languageCovers(lowerGlobs(statement.action), actions.tokens);
    }
    if (statement.notAction !== undefined) {
        return actions.kind === "action"
            ? !statement.notAction.some((a) => globMatches(a.toLowerCase(), actions.action))
            : not(languagesIntersect(lowerGlobs(statement.notAction), actions.tokens));
    }
    return false;
}

/** Do the statement's resources include everything under some instance of the prefix? */
function resourcesVerdict(statement: PolicyStatement, prefix: GlobTokens): Verdict {
    if (statement.resource !== undefined) {
        return coversSomePrefix(globs(statement.resource), prefix);
    }
    if (statement.notResource !== undefined) {
        // NotResource grants every resource it does not list, including ones created later: only a
        // NotResource that excludes every target resource in every account grants none of them.
        return not(languageCovers(globs(statement.notResource), [...prefix, ...target(ANYTHING)]));
    }
    return false;
}

function grantVerdict(statement: PolicyStatement, grant: GrantTarget): Verdict {
    const actions = actionsVerdict(statement, grant.actions);
    if (actions === false) {
        return false;
    }
    const resources = resourcesVerdict(statement, grant.resourcePrefix);
    if (resources === false) {
        return false;
    }
    return actions === true && resources === true ? true : undefined;
}

/** Does the combined unconditional Deny cancel this Allow's grant of the target? Undecided never cancels. */
function cancelledByDeny(allow: PolicyStatement, denies: readonly PolicyStatement[], grant: GrantTarget): boolean {
    const everyTarget = [...grant.resourcePrefix, ...target(ANYTHING)];
    const denied: string[] = [];
    for (const deny of denies) {
        if (actionsVerdict(deny, grant.actions) !== true) {
            continue;
        }
        if (deny.notResource !== undefined && languagesIntersect(globs(deny.notResource), everyTarget) === false) {
            return true;
        }
        denied.push(...(deny.resource ?? []));
    }
    if (denied.length === 0) {
        return false;
    }
    const deniedGlobs = globs(denied);
    if (languageCovers(deniedGlobs, everyTarget) === true) {
        return true;
    }
    return allow.resource !== undefined && allow.resource.every((r) => languageCovers(deniedGlobs, compileGlob(r)) === true);
}

/** Does this one action pattern, on its own, include the target? */
function patternCoversActions(pattern: string, actions: ActionTarget): boolean {
    return actions.kind === "action"
        ? globMatches(pattern.toLowerCase(), actions.action)
        : languageCovers(lowerGlobs([pattern]), actions.tokens) !== false;
}

/** Names the action value that grants the target, for messages. */
function grantingActionText(statement: PolicyStatement, grant: GrantTarget): string {
    if (statement.action !== undefined) {
        const single = statement.action.find((a) => patternCoversActions(a, grant.actions));
        return single !== undefined ? `Action ${quote(single)}` : `Action ${quote(statement.action)}`;
    }
    return `NotAction ${quote(statement.notAction)}, which does not exclude it`;
}

function grantingResourceText(statement: PolicyStatement, grant: GrantTarget): string {
    if (statement.resource !== undefined) {
        const single = statement.resource.find((r) => coversSomePrefix(globs([r]), grant.resourcePrefix) !== false);
        return single !== undefined ? `Resource ${quote(single)}` : `Resource ${quote(statement.resource)}`;
    }
    return `NotResource ${quote(statement.notResource)}, which grants every resource it does not list, including ones created later`;
}

function passRoleMessage(statement: PolicyStatement): string {
    const passedToService = statement.conditions.some((c) => c.key.toLowerCase() === "iam:passedtoservice");
    return (
        `allows iam:PassRole (${grantingActionText(statement, PASSROLE_TARGET)}) on every role in the account ` +
        `(${grantingResourceText(statement, PASSROLE_TARGET)}), so whoever holds it can hand any role, admin roles included, ` +
        `to a service it controls` +
        (passedToService ? "; the iam:PassedToService condition limits which service receives the role, not which role is passed" : "") +
        `. List the role ARNs this principal must pass in Resource, e.g. "arn:aws:iam::123456789012:role/app-task-role".`
    );
}

function adminMessage(statement: PolicyStatement, grant: GrantTarget): string {
    const consequence =
        grant === EVERY_ACTION_TARGET ? "this is administrator access" : "whoever holds it can attach AdministratorAccess to itself";
    return (
        `allows ${grant.describeActions} (${grantingActionText(statement, grant)}) on ${grant.describeResources} ` +
        `(${grantingResourceText(statement, grant)}): ${consequence}. Grant only the actions this principal needs, on the resources it needs them for.`
    );
}

/** Coverage work allowed for one whole document (see glob.ts): well under a second. */
export const MAX_WORK_PER_DOCUMENT = 20_000_000;

/** Judges a permission policy for both iam:PassRole on every role and admin access. */
export function analyzePermissionPolicy(document: unknown): PermissionAnalysis {
    return withWorkBudget(MAX_WORK_PER_DOCUMENT, () => analyzeWithinBudget(document));
}

function analyzeWithinBudget(document: unknown): PermissionAnalysis {
    const analysis: PermissionAnalysis = { findings: [], unresolved: [] };
    const parsed = parsePolicyDocument(document);
    analysis.unresolved.push(...parsed.unresolved);
    const counts = new Map<PolicyName, number>();
    const add = (policy: PolicyName, location: string, message: string, failClosed = false): void => {
        const count = (counts.get(policy) ?? 0) + 1;
        counts.set(policy, count);
        if (count <= MAX_FINDINGS_PER_POLICY) {
            analysis.findings.push({ policy, location, message, failClosed });
        }
    };
    if (!parsed.readable) {
        for (const policy of [PASSROLE, ADMIN]) {
            add(
                policy,
                "document",
                `the policy document cannot be read: ${parsed.problems.join("; ")}. keyless cannot tell what it grants, so it fails closed.`,
                true,
            );
        }
        return analysis;
    }
    const judgeable = parsed.statements.filter((s) => s.problems.length === 0 && s.unresolved.length === 0);
    // A Deny we cannot read yet might cancel a grant: then the grant is undecided, not a violation.
    const pendingDeny = parsed.statements.some(
        (s) => s.problems.length === 0 && s.unresolved.length > 0 && s.effect?.toLowerCase() !== "allow",
    );
    const denies = judgeable.filter((s) => s.effect === "Deny" && s.conditions.length === 0);
    for (const statement of parsed.statements) {
        if (statement.problems.length > 0) {
            for (const policy of [PASSROLE, ADMIN]) {
                add(
                    policy,
                    statement.label,
                    `${statement.problems.join("; ")}. keyless cannot tell what this statement grants, so it fails closed; fix the statement.`,
                    true,
                );
            }
            continue;
        }
        if (statement.unresolved.length > 0) {
            analysis.unresolved.push(...statement.unresolved);
            continue;
        }
        if (statement.effect?.toLowerCase() !== "allow") {
            continue;
        }
        const violations: Array<[GrantTarget, Verdict]> = [];
        const passRole = grantVerdict(statement, PASSROLE_TARGET);
        if (passRole !== false && !cancelledByDeny(statement, denies, PASSROLE_TARGET)) {
            violations.push([PASSROLE_TARGET, passRole]);
        }
        for (const grant of [EVERY_ACTION_TARGET, ALL_OF_IAM_TARGET]) {
            const admin = grantVerdict(statement, grant);
            if (admin !== false && !cancelledByDeny(statement, denies, grant)) {
                violations.push([grant, admin]);
                break;
            }
        }
        for (const [grant, verdict] of violations) {
            if (pendingDeny) {
                analysis.unresolved.push({ path: `${statement.label} (may be cancelled by a Deny statement that is not known yet)` });
            } else if (verdict === true) {
                add(grant.policy, statement.label, grant === PASSROLE_TARGET ? passRoleMessage(statement) : adminMessage(statement, grant));
            } else {
                add(
                    grant.policy,
                    statement.label,
                    `keyless could not decide within its work limit whether this statement allows ${grant.describeActions} on ` +
                        `${grant.describeResources} (its patterns are unusually complex), so it fails closed; write its actions and resources out plainly.`,
                    true,
                );
            }
        }
    }
    for (const [policy, count] of counts) {
        if (count > MAX_FINDINGS_PER_POLICY) {
            analysis.findings.push({
                policy,
                location: "document",
                message: `${count - MAX_FINDINGS_PER_POLICY} more statements have the same problem (only the first ${MAX_FINDINGS_PER_POLICY} are listed).`,
                failClosed: false,
            });
        }
    }
    return analysis;
}
