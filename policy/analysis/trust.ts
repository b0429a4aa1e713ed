// Who may assume a role through GitHub's OIDC provider, decided by IAM's rules.
//
// Every Allow statement that admits a GitHub issuer (Federated provider ARN in any partition, or a
// Principal of "*") and grants sts:AssumeRoleWithWebIdentity (by name, any case, any wildcard, or a
// NotAction that does not exclude it) is judged on its own. Within it, condition keys are compared
// case-insensitively; values under one key are OR-ed, so one loose value opens the role; separate
// operators on the same key are AND-ed, so one clause that pins exact subjects is enough.

import { parseConditionOperator, whyNotRestricting, ConditionOperator } from "./conditions";
import { ConditionClause, parsePolicyDocument, PolicyStatement, quote } from "./document";
import { globMatches } from "./glob";
import {
    describeWildcardReach,
    GITHUB_ISSUER,
    githubIssuerOf,
    githubIssuerOfConditionKey,
    parseGithubSubject,
} from "./githubSubject";
import { Finding, GithubTrust, TrustOptions, Unresolved } from "./types";

const POLICY = "github-oidc-trust-pins-repository";
const WEB_IDENTITY_ACTION = "sts:assumerolewithwebidentity";

export interface JudgedCondition {
    key: string;
    operator: ConditionOperator;
    values: string[];
}

/** A GitHub trust plus what the stack rule needs: the `sub` conditions that decide who gets in. */
export interface GithubTrustDetail extends GithubTrust {
    /** A `sub` condition pins exact subjects of allowed owners. */
    pinned: boolean;
    /** The pinning condition when `pinned`, otherwise every restricting `sub` condition. */
    subjectConditions: JudgedCondition[];
}

export interface TrustAnalysis {
    findings: Finding[];
    unresolved: Unresolved[];
    trusts: GithubTrustDetail[];
}

function grantsWebIdentity(statement: PolicyStatement): boolean {
    if (statement.action !== undefined) {
        return statement.action.some((action) => globMatches(action.toLowerCase(), WEB_IDENTITY_ACTION));
    }
    if (statement.notAction !== undefined) {
        return !statement.notAction.some((action) => globMatches(action.toLowerCase(), WEB_IDENTITY_ACTION));
    }
    return false;
}

/** GitHub issuers an Allow statement admits, as written (deduplicated case-insensitively). */
function githubIssuersAdmitted(statement: PolicyStatement): string[] {
    const issuers = new Map<string, string>();
    const add = (issuer: string): void => {
        if (!issuers.has(issuer.toLowerCase())) {
            issuers.set(issuer.toLowerCase(), issuer);
        }
    };
    // A principal of "*" admits every provider, so GitHub's default issuer and any GitHub issuer the
    // conditions mention.
    const wildcardIssuers = [
        GITHUB_ISSUER,
        ...statement.conditions
            .map((clause) => githubIssuerOfConditionKey(clause.key))
            .filter((issuer): issuer is string => issuer !== undefined),
    ];
    if (statement.principal !== undefined) {
        if (statement.principal.everyone) {
            wildcardIssuers.forEach(add);
        }
        for (const federated of statement.principal.federated) {
            const issuer = githubIssuerOf(federated);
            if (issuer !== undefined) {
                add(issuer);
            }
        }
    }
    if (statement.notPrincipal !== undefined && !statement.notPrincipal.everyone) {
        // Allow with NotPrincipal admits everyone it does not list.
        const excluded = new Set(
            statement.notPrincipal.federated.map((f) => githubIssuerOf(f)?.toLowerCase()).filter((i) => i !== undefined),
        );
        wildcardIssuers.filter((issuer) => !excluded.has(issuer.toLowerCase())).forEach(add);
    }
    return [...issuers.values()];
}

function clausesFor(statement: PolicyStatement, issuer: string, claim: string): JudgedCondition[] {
    const key = `${issuer}:${claim}`.toLowerCase();
    return statement.conditions
        .filter((clause: ConditionClause) => clause.key.toLowerCase() === key)
        .map((clause) => ({ key: clause.key, operator: parseConditionOperator(clause.operator), values: clause.values }));
}

/** Why one `sub` value does not pin one repository exactly, or undefined when it does. */
function subjectProblem(value: string, operator: ConditionOperator, options: TrustOptions): string | undefined {
    if (operator.wildcards) {
        const wildcard = /[*?]/.exec(value);
        if (wildcard !== null) {
            return `${quote(value)} under ${operator.written} contains the wildcard "${wildcard[0]}", which lets in ${describeWildcardReach(value)}`;
        }
    }
    if (value.includes("${")) {
        return `${quote(value)} contains a policy variable, so it is not an exact subject`;
    }
    const parsed = parseGithubSubject(value);
    if (!parsed.ok) {
        return `${quote(value)} ${parsed.problem}`;
    }
    const allowed = (options.allowedOwners ?? []).map((owner) => owner.toLowerCase());
    if (allowed.length > 0 && !allowed.includes(parsed.subject.owner.toLowerCase())) {
        return `${quote(value)} names owner "${parsed.subject.owner}", which is not in allowedOwners (${allowed.join(", ")})`;
    }
    return undefined;
}

/** The audience STS accepts from GitHub's token in each partition (AWS's OIDC guide for GitHub: `sts.amazonaws.com`, and `sts.amazonaws.com.cn` in the China partitions). */
export const STS_AUDIENCE = "sts.amazonaws.com";
export const STS_AUDIENCE_CN = "sts.amazonaws.com.cn";

/**
 * The audiences a statement's trust is meant to accept: `allowedAudiences` when configured,
 * otherwise STS's audience in the partition of the provider the statement names (both STS
 * audiences when the statement names no provider ARN, e.g. Principal "*").
 */
function expectedAudiences(statement: PolicyStatement, options: TrustOptions): string[] {
    if (options.allowedAudiences !== undefined && options.allowedAudiences.length > 0) {
        return [...options.allowedAudiences];
    }
    const partitions = new Set(
        (statement.principal?.federated ?? [])
            .filter((federated) => githubIssuerOf(federated) !== undefined && federated.startsWith("arn:"))
            .map((federated) => federated.split(":")[1]),
    );
    if (partitions.size === 0) {
        return [STS_AUDIENCE, STS_AUDIENCE_CN];
    }
    return [...new Set([...partitions].map((partition) => (partition === "aws-cn" ? STS_AUDIENCE_CN : STS_AUDIENCE)))];
}

/**
 * Why one `aud` value lets in a token the provider is not meant to accept, or undefined. Values
 * under one key are OR-ed, so each value must be one of `expected`, compared exactly (STS and
 * StringEquals compare case-sensitively).
 */
function audienceProblem(value: string, operator: ConditionOperator, expected: readonly string[]): string | undefined {
    if (operator.wildcards && /[*?]/.test(value)) {
        return `aud value ${quote(value)} under ${operator.written} contains a wildcard, so tokens minted for other audiences are accepted`;
    }
    if (value.includes("${")) {
        return `aud value ${quote(value)} contains a policy variable`;
    }
    if (value === "") {
        return "aud value is empty";
    }
    if (!expected.includes(value)) {
        return (
            `aud value ${quote(value)} is not an audience this trust is meant to accept (${expected.join(", ")}), ` +
            "so a GitHub token requested for another audience (another cloud, or a service the workflow hands its token to) can assume the role"
        );
    }
    return undefined;
}

/** An exact subject to suggest in messages, keeping whatever exact owner, repository and environment the statement names. */
function exampleSubject(conditions: JudgedCondition[], options: TrustOptions): string {
    const exact = (text: string | undefined): text is string => text !== undefined && text !== "" && !/[*?]/.test(text);
    const withId = (name: string, id: string | undefined): string => (exact(id) ? `${name}@${id}` : name);
    const allowed = (options.allowedOwners ?? []).map((o) => o.toLowerCase());
    const parsed = conditions.flatMap((c) => c.values.map(parseGithubSubject)).find((p) => p.ok);
    const subject = parsed?.ok ? parsed.subject : undefined;
    const ownerFits = subject !== undefined && exact(subject.owner) && (allowed.length === 0 || allowed.includes(subject.owner.toLowerCase()));
    const owner = ownerFits ? withId(subject.owner, subject.ownerId) : (options.allowedOwners?.[0] ?? "OWNER");
    const repository = subject !== undefined && exact(subject.repository) ? withId(subject.repository, subject.repositoryId) : "REPO";
    const environment = subject?.context.kind === "environment" && exact(subject.context.environment) ? subject.context.environment : "production";
    return `repo:${owner}/${repository}:environment:${environment}`;
}

function judgeIssuer(
    statement: PolicyStatement,
    issuer: string,
    options: TrustOptions,
    report: (message: string) => void,
): GithubTrustDetail {
    const subKey = `${issuer}:sub`;
    const audKey = `${issuer}:aud`;
    const anyRepository = issuer.toLowerCase() === GITHUB_ISSUER ? "any repository on GitHub" : `any repository that uses the issuer ${issuer}`;

    const subs = clausesFor(statement, issuer, "sub");
    const restricting = subs.filter((clause) => whyNotRestricting(clause.operator) === undefined);
    const judged = restricting.map((clause) => ({
        clause,
        problems:
            clause.values.length === 0
                ? [`the ${clause.operator.written} condition on "${clause.key}" lists no subject`]
                : clause.values
                      .map((value) => subjectProblem(value, clause.operator, options))
                      .filter((problem): problem is string => problem !== undefined),
    }));
    const pinning = judged.find((j) => j.problems.length === 0)?.clause;
    const fix = `Use StringEquals with the exact subject of the job that may assume the role, e.g. {"${subKey}": "${exampleSubject(subs, options)}"}.`;
    if (subs.length === 0) {
        report(`lets ${issuer} assume the role with no "${subKey}" condition, so a workflow in ${anyRepository} can assume it. ${fix}`);
    } else if (restricting.length === 0) {
        for (const clause of subs) {
            report(`the condition on "${clause.key}" does not restrict who assumes the role: ${whyNotRestricting(clause.operator)}. ${fix}`);
        }
    } else if (pinning === undefined) {
        for (const { problems } of judged) {
            for (const problem of problems) {
                report(`sub ${problem}. ${fix}`);
            }
        }
    }

    const auds = clausesFor(statement, issuer, "aud");
    const audiences = expectedAudiences(statement, options);
    const audRestricting = auds.filter((clause) => whyNotRestricting(clause.operator) === undefined);
    const audJudged = audRestricting.map((clause) => ({
        clause,
        problems:
            clause.values.length === 0
                ? ["the aud condition lists no audience"]
                : clause.values
                      .map((value) => audienceProblem(value, clause.operator, audiences))
                      .filter((problem): problem is string => problem !== undefined),
    }));
    const audPinning = audJudged.find((j) => j.problems.length === 0)?.clause;
    const audFix =
        `Use StringEquals {"${audKey}": "${audiences[0]}"} (the audience configure-aws-credentials requests` +
        (options.allowedAudiences !== undefined && options.allowedAudiences.length > 0 ? ", or another of allowedAudiences)." : " for this partition).");
    if (auds.length === 0) {
        report(`has no "${audKey}" condition, so the role relies on the OIDC provider's client-ID list alone. ${audFix}`);
    } else if (audRestricting.length === 0) {
        for (const clause of auds) {
            report(`the condition on "${clause.key}" does not restrict the audience: ${whyNotRestricting(clause.operator)}. ${audFix}`);
        }
    } else if (audPinning === undefined) {
        for (const { problems } of audJudged) {
            for (const problem of problems) {
                report(`${problem}. ${audFix}`);
            }
        }
    }

    const decidingSub = pinning ?? restricting[0] ?? subs[0];
    const decidingAud = audPinning ?? audRestricting[0] ?? auds[0];
    return {
        issuer,
        subjects: decidingSub?.values ?? [],
        subjectOperator: decidingSub?.operator.written ?? "",
        audiences: decidingAud?.values ?? [],
        location: statement.label,
        pinned: pinning !== undefined,
        subjectConditions: pinning !== undefined ? [pinning] : restricting,
        admits: pinning !== undefined ? "exact" : restricting.length > 0 ? "pattern" : "anyone",
    };
}

/** Judges a trust policy; also returns every GitHub trust and the parts that could not be judged yet. */
export function analyzeTrustPolicy(document: unknown, options: TrustOptions = {}): TrustAnalysis {
    const analysis: TrustAnalysis = { findings: [], unresolved: [], trusts: [] };
    const parsed = parsePolicyDocument(document);
    analysis.unresolved.push(...parsed.unresolved);
    if (!parsed.readable) {
        analysis.findings.push({
            policy: POLICY,
            location: "document",
            message: `the trust policy cannot be read: ${parsed.problems.join("; ")}. A trust policy keyless cannot read is treated as trusting anyone (fail closed); write it as a JSON object with a Statement list.`,
        });
        return analysis;
    }
    for (const statement of parsed.statements) {
        if (statement.problems.length > 0) {
            analysis.findings.push({
                policy: POLICY,
                location: statement.label,
                message: `${statement.problems.join("; ")}. keyless cannot tell whom this statement trusts, so it fails closed; fix the statement.`,
            });
            continue;
        }
        if (statement.unresolved.length > 0) {
            analysis.unresolved.push(...statement.unresolved);
            continue;
        }
        if (statement.effect?.toLowerCase() !== "allow" || !grantsWebIdentity(statement)) {
            continue;
        }
        for (const issuer of githubIssuersAdmitted(statement)) {
            const report = (message: string): void => {
                analysis.findings.push({ policy: POLICY, location: statement.label, message });
            };
            analysis.trusts.push(judgeIssuer(statement, issuer, options, report));
        }
    }
    return analysis;
}
