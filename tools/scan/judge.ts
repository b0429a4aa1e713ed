// Judges every role of an account dump with the pack's own analysis (policy/analysis): who can
// assume it from GitHub, the pack's findings for it, and the keyless entry that would replace it.

import {
    AdminOptions,
    checkManagedPolicyArn,
    checkPermissionPolicy,
    checkRoleSelfEscalation,
    checkTrustPolicy,
    describeGithubTrust,
    ENVIRONMENT_PROTECTION_POLICY,
    ENVIRONMENTS_REQUIRING_REVIEWERS,
    Finding,
    TrustOptions,
} from "../../policy/analysis";
import { EnforcementLevel } from "../../policy/harness/packConfig";
import { AccountDump, defaultDocument, DumpRole, TextRegion } from "./dump";
import { blocks, ScanPackConfig, stringListSetting } from "./packPolicies";
import { KeylessSuggestion, ScanSubject, subjectsOf, suggestEntries } from "./suggest";

export interface ScanFinding {
    readonly policy: string;
    /** Where in the role: `AssumeRolePolicyDocument Statement[0]`, `RolePolicyList (deploy) Statement[1]`, a policy ARN. */
    readonly location: string;
    readonly message: string;
    readonly enforcementLevel: EnforcementLevel;
}

export interface RoleReport {
    /** The dump the role came from (a file, or `live:<account>`). */
    readonly source: string;
    readonly accountId: string;
    readonly arn: string;
    readonly name: string;
    readonly path: string;
    readonly region?: TextRegion;
    readonly trustsGithub: boolean;
    readonly subjects: readonly ScanSubject[];
    readonly findings: readonly ScanFinding[];
    /** For a GitHub-trusted role: the keyless repository entries that would replace it. */
    readonly keyless?: KeylessSuggestion;
}

export interface JudgeOptions {
    readonly config: ScanPackConfig;
    /** Only roles a GitHub issuer can assume. */
    readonly githubOnly?: boolean;
}

const TRUST = "github-oidc-trust-pins-repository";
const ADMIN = "iam-no-admin-access";

/** Findings of one managed policy's default version, computed once per dump (many roles attach the same policy). */
type PolicyVerdicts = Map<string, Finding[]>;

function managedPolicyFindings(dump: AccountDump, arn: string, cache: PolicyVerdicts): Finding[] {
    const cached = cache.get(arn);
    if (cached !== undefined) {
        return cached;
    }
    const policy = dump.policies.get(arn);
    const version = policy === undefined ? undefined : defaultDocument(policy);
    const findings =
        version === undefined
            ? []
            : checkPermissionPolicy(version.document).map((f) => ({ ...f, location: `${arn} (default version ${version.versionId}) ${f.location}` }));
    cache.set(arn, findings);
    return findings;
}

function judgeRole(dump: AccountDump, role: DumpRole, options: JudgeOptions, cache: PolicyVerdicts): RoleReport {
    const { config } = options;
    const trustOptions: TrustOptions = {
        allowedOwners: stringListSetting(config, TRUST, "allowedOwners"),
        allowedAudiences: stringListSetting(config, TRUST, "allowedAudiences"),
    };
    const adminOptions: AdminOptions = { additionalAdminPolicies: stringListSetting(config, ADMIN, "additionalAdminPolicies") };
    const trusts = describeGithubTrust(role.trustPolicy);
    const subjects = subjectsOf(trusts);
    const findings: Finding[] = checkTrustPolicy(role.trustPolicy, trustOptions).map((f) => ({ ...f, location: `AssumeRolePolicyDocument ${f.location}` }));
    for (const policy of role.inlinePolicies) {
        findings.push(...checkPermissionPolicy(policy.document, adminOptions).map((f) => ({ ...f, location: `RolePolicyList (${policy.name}) ${f.location}` })));
    }
    for (const attached of role.attachedPolicies) {
        const byName = checkManagedPolicyArn(attached.arn, adminOptions);
        if (byName !== undefined) {
            findings.push({ ...byName, location: `AttachedManagedPolicies ${attached.arn}` });
        }
        // An admin policy by name already says it all (admin access includes iam:PassRole on every role).
        if (byName === undefined) {
            findings.push(...managedPolicyFindings(dump, attached.arn, cache));
        }
    }
    // Self-escalation judges the role as a whole: its own policies, the managed ones as the dump
    // resolves them (default version), and its boundary, which caps what they grant.
    const managed = (arn: string) => {
        const policy = dump.policies.get(arn);
        const version = policy === undefined ? undefined : defaultDocument(policy);
        return { arn, ...(version !== undefined ? { document: version.document } : {}) };
    };
    findings.push(
        ...checkRoleSelfEscalation({
            role: { arn: role.arn },
            inlinePolicies: role.inlinePolicies,
            managedPolicies: role.attachedPolicies.map((attached) => managed(attached.arn)),
            ...(role.permissionsBoundaryArn !== undefined ? { permissionsBoundary: managed(role.permissionsBoundaryArn) } : {}),
        }),
    );
    const judged: ScanFinding[] = findings
        .map((f) => ({ policy: f.policy, location: f.location, message: f.message, enforcementLevel: config.resolved[f.policy]?.enforcementLevel ?? "mandatory" }))
        .filter((f) => f.enforcementLevel !== "disabled");
    const trustsGithub = trusts.length > 0;
    return {
        source: dump.source,
        accountId: role.accountId,
        arn: role.arn,
        name: role.name,
        path: role.path,
        region: role.region,
        trustsGithub,
        subjects,
        findings: judged,
        keyless: trustsGithub
            ? suggestEntries(role, subjects, stringListSetting(config, ENVIRONMENT_PROTECTION_POLICY, ENVIRONMENTS_REQUIRING_REVIEWERS))
            : undefined,
    };
}

export interface ScanResult {
    readonly sources: readonly { readonly source: string; readonly accountId?: string; readonly roles: number }[];
    readonly roles: readonly RoleReport[];
    /** The pack configuration the levels came from; undefined for the pack's defaults. */
    readonly configFile?: string;
    /** A finding is mandatory (or remediate) under that configuration: exit 1. */
    readonly blocked: boolean;
}

/** Judges every role of every dump. */
export function scanDumps(dumps: readonly AccountDump[], options: JudgeOptions): ScanResult {
    const roles: RoleReport[] = [];
    for (const dump of dumps) {
        const cache: PolicyVerdicts = new Map();
        for (const role of dump.roles) {
            const report = judgeRole(dump, role, options, cache);
            if (!options.githubOnly || report.trustsGithub) {
                roles.push(report);
            }
        }
    }
    return {
        sources: dumps.map((d) => ({ source: d.source, accountId: d.accountId, roles: d.roles.length })),
        roles,
        configFile: options.config.file,
        blocked: roles.some((role) => role.findings.some((f) => blocks(f.enforcementLevel))),
    };
}
