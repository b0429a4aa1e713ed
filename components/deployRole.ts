import * as pulumi from "@pulumi/pulumi";
import { Role } from "@pulumi/aws/iam/role";
import { RolePolicy } from "@pulumi/aws/iam/rolePolicy";
import { RolePolicyAttachment } from "@pulumi/aws/iam/rolePolicyAttachment";
import { RolePoliciesExclusive } from "@pulumi/aws/iam/rolePoliciesExclusive";
import { RolePolicyAttachmentsExclusive } from "@pulumi/aws/iam/rolePolicyAttachmentsExclusive";
import { checkManagedPolicyArn, checkPermissionPolicy, checkRoleSelfEscalation, checkTrustPolicy, parseGithubSubject } from "../policy/analysis";
import { KeylessConfigError } from "./configReader";
import { githubTrustPolicy } from "./documents";
import { isIamPath, isIamRoleName } from "./names";
import { PolicyDocument } from "./presets";
import { iamAdvice, IamRule, RoleDocuments, roleViolations } from "./realServices/iam";

/** Name of the one inline policy keyless writes on each deploy role. */
export const INLINE_POLICY_NAME = "keyless-deploy";

/** The IAM path of a role whose args name none. */
const DEFAULT_ROLE_PATH = "/github-actions/";

export interface DeployRoleArgs {
    /** ARN of the IAM OIDC provider for GitHub's issuer (see GithubOidcProvider). */
    readonly oidcProviderArn: pulumi.Input<string>;
    /** Issuer host and condition-key prefix, e.g. `token.actions.githubusercontent.com`. */
    readonly issuerHost: string;
    /**
     * Exact `sub` values the role trusts (see exactSubjects). Plain strings, not Inputs, so they
     * are checked before anything is created. At least one; never a pattern.
     */
    readonly subjects: readonly string[];
    /** The `aud` the token must carry. Defaults to `sts.amazonaws.com`. */
    readonly audience?: string;
    /** IAM role name. */
    readonly roleName: string;
    /** IAM path. Defaults to `/github-actions/`. */
    readonly path?: string;
    /** Longest session, in seconds (3600-43200). Defaults to 3600, AWS's own default. */
    readonly maxSessionDuration?: number;
    /** Managed policy that caps whatever the role is granted. Defaults to none. */
    readonly permissionsBoundaryArn?: string;
    /** The role's inline permissions. */
    readonly permissions: PolicyDocument;
    /** Managed policies to attach (never admin ones). Defaults to none. */
    readonly managedPolicyArns?: readonly string[];
    /** Role description. Defaults to naming the trusted subjects. */
    readonly description?: string;
    /** Tags for the role. */
    readonly tags?: Readonly<Record<string, string>>;
    /**
     * The partition and account the role is created in. Lets the self-escalation check credit a Deny
     * that names the role's exact ARN. Defaults to unknown: the role is judged as if it could be in
     * any account, so only Denies that cover it wherever it is close a path.
     */
    readonly account?: { readonly partition: string; readonly accountId: string };
}

/**
 * An IAM role that GitHub Actions jobs assume with their OIDC token, trusting exactly the given
 * subjects, with a bounded session and the given permissions.
 */
export class DeployRole extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    /** The exact subjects the role trusts. */
    public readonly subjects: readonly string[];
    /** The trust policy as JSON. */
    public readonly trustPolicy: pulumi.Output<string>;

    constructor(name: string, args: DeployRoleArgs, opts?: pulumi.ComponentResourceOptions) {
        const problems = DeployRole.validate(args);
        if (problems.length > 0) throw new KeylessConfigError(problems, `invalid arguments for DeployRole ${name}`);
        super("keyless:aws:DeployRole", name, {}, opts);

        this.subjects = [...args.subjects];
        this.trustPolicy = pulumi.output(args.oidcProviderArn).apply((providerArn) => DeployRole.documents(args, providerArn).trustPolicy);
        const documents = DeployRole.documents(args, "");

        const role = new Role(
            name,
            {
                name: args.roleName,
                path: documents.path,
                description: documents.description,
                assumeRolePolicy: this.trustPolicy,
                maxSessionDuration: args.maxSessionDuration ?? 3600,
                permissionsBoundary: args.permissionsBoundaryArn,
                // Policies attached outside this stack must not keep the role from being replaced.
                forceDetachPolicies: true,
                tags: args.tags ? { ...args.tags } : undefined,
            },
            // A component's dependsOn does not reach its children; the role itself must wait.
            { parent: this, dependsOn: opts?.dependsOn },
        );
        const inline = new RolePolicy(
            `${name}-permissions`,
            { role: role.name, name: INLINE_POLICY_NAME, policy: documents.inlinePolicies[INLINE_POLICY_NAME] },
            { parent: this },
        );
        const attachments = (args.managedPolicyArns ?? []).map(
            (policyArn) => new RolePolicyAttachment(`${name}-${policyArn.split("/").pop()}`, { role: role.name, policyArn }, { parent: this }),
        );
        // The role owns its inline policies and attachments exclusively: one added by hand is read
        // (ListRolePolicies, ListAttachedRolePolicies), shown as a change on a refreshing preview
        // and removed by `up` (terraform-provider-aws role_policies_exclusive.go and
        // role_policy_attachments_exclusive.go, syncAttachments). Their Create also syncs, and a
        // configured name that is missing would be put without a document, so they wait for ours.
        // Deleting them leaves the role's policies alone (their Delete is a no-op).
        new RolePoliciesExclusive(
            `${name}-inline-policies`,
            { roleName: role.name, policyNames: [INLINE_POLICY_NAME] },
            { parent: this, dependsOn: [inline] },
        );
        new RolePolicyAttachmentsExclusive(
            `${name}-attachments`,
            { roleName: role.name, policyArns: [...(args.managedPolicyArns ?? [])] },
            { parent: this, dependsOn: attachments },
        );

        this.arn = role.arn;
        this.roleName = role.name;
        this.registerOutputs({ arn: this.arn, roleName: this.roleName, subjects: this.subjects, trustPolicy: this.trustPolicy });
    }

    /**
     * The role exactly as it will be sent to IAM: names, the serialized trust and inline
     * policies, attachments and tags. `providerArn` is the OIDC provider's ARN.
     */
    static documents(args: DeployRoleArgs, providerArn: string): RoleDocuments {
        const trust = githubTrustPolicy({
            providerArn,
            issuerHost: args.issuerHost,
            audience: args.audience ?? "sts.amazonaws.com",
            subjects: args.subjects,
        });
        return {
            roleName: args.roleName,
            path: args.path ?? DEFAULT_ROLE_PATH,
            description: args.description ?? `GitHub Actions deploy role for ${args.subjects.join(", ")}`.slice(0, 1000),
            trustPolicy: JSON.stringify(trust),
            inlinePolicies: { [INLINE_POLICY_NAME]: JSON.stringify(args.permissions) },
            managedPolicyArns: [...(args.managedPolicyArns ?? [])],
            tags: { ...(args.tags ?? {}) },
        };
    }

    /**
     * IAM's quotas on the documents the role will carry (see components/realServices/iam.ts),
     * measured as AWS measures them: each problem names the role, the size and the limit, and
     * how to get under it.
     */
    static quotaProblems(args: DeployRoleArgs, providerArn: string, skip: readonly IamRule[] = []): string[] {
        return roleViolations(DeployRole.documents(args, providerArn))
            .filter((violation) => !skip.includes(violation.rule))
            .map((violation) => `role ${args.roleName}: ${violation.what}; ${iamAdvice(violation.rule)}`);
    }

    /**
     * Problems with the arguments, checked before anything is registered: the same analysis the
     * policy pack applies, so the role is never one the pack would block, and IAM's quotas.
     */
    static validate(args: DeployRoleArgs): string[] {
        const problems: string[] = [];
        if (args.subjects.length === 0) problems.push("subjects: empty; a role must trust at least one exact subject");
        for (const subject of args.subjects) {
            // StringEquals reads * and ? literally, so the pack lets them pass; here they can only
            // be a mistake (GitHub never sends them), and a role that never matches is one too.
            const parsed = parseGithubSubject(subject);
            if (/[*?]/.test(subject)) {
                problems.push(`subjects: ${JSON.stringify(subject)} has a wildcard; name one repository and one context exactly`);
            } else if (!parsed.ok) {
                problems.push(`subjects: ${JSON.stringify(subject)} ${parsed.problem}`);
            } else if (parsed.subject.context.kind === "none" || parsed.subject.context.kind === "other") {
                problems.push(
                    `subjects: ${JSON.stringify(subject)} names no environment, branch, tag or pull_request; ` +
                        "a trust without a context admits every run of the repository",
                );
            }
        }
        if (!isIamRoleName(args.roleName)) problems.push(`roleName: ${JSON.stringify(args.roleName)} is not an IAM role name`);
        if (args.path !== undefined && !isIamPath(args.path)) problems.push(`path: ${JSON.stringify(args.path)} is not an IAM path`);
        const session = args.maxSessionDuration;
        if (session !== undefined && (!Number.isInteger(session) || session < 3600 || session > 43200)) {
            problems.push(`maxSessionDuration: ${session} is outside 3600-43200 seconds`);
        }
        // The provider ARN may not be known yet (an Output); a well-formed one of the same length
        // in the aws partition exercises the same checks and measures the same.
        const standInProviderArn = `arn:aws:iam::123456789012:oidc-provider/${args.issuerHost}`;
        const trust = githubTrustPolicy({
            providerArn: standInProviderArn,
            issuerHost: args.issuerHost,
            audience: args.audience ?? "sts.amazonaws.com",
            subjects: args.subjects,
        });
        // The provider ARN's partition is not known here; the audience is checked against STS's
        // audience of either partition (the program writes stsAudience(partition) for the stack's).
        const stsAudiences = ["sts.amazonaws.com", "sts.amazonaws.com.cn"];
        for (const finding of checkTrustPolicy(trust, { allowedAudiences: stsAudiences })) {
            problems.push(`${finding.message.startsWith("aud") ? "audience" : "subjects"}: ${finding.message}`);
        }
        for (const finding of checkPermissionPolicy(args.permissions)) {
            problems.push(`permissions: ${finding.location}: ${finding.message}`);
        }
        for (const arn of args.managedPolicyArns ?? []) {
            const finding = checkManagedPolicyArn(arn);
            if (finding) problems.push(`managedPolicyArns: ${finding.message}`);
        }
        // The pack's iam-no-self-escalation on the role's own policy, judged without its boundary
        // (a boundary only narrows, so a role that passes alone passes with it): no role keyless
        // creates may rewrite its own trust or policies, lift its boundary or create unbounded roles.
        const selfEscalation = checkRoleSelfEscalation({
            role: { name: args.roleName, path: args.path ?? DEFAULT_ROLE_PATH, ...args.account },
            inlinePolicies: [{ name: "permissions", document: args.permissions }],
            managedPolicies: (args.managedPolicyArns ?? []).map((arn) => ({ arn })),
        });
        for (const finding of selfEscalation) problems.push(`permissions: ${finding.location}: ${finding.message}`);
        // Measure with the ARN the provider will have when it is known.
        const providerArn = typeof args.oidcProviderArn === "string" ? args.oidcProviderArn : standInProviderArn;
        // Names and paths are checked above, more strictly.
        problems.push(...DeployRole.quotaProblems(args, providerArn, ["roleName", "path"]));
        return problems;
    }
}
