// Deployment-target presets: the permissions a deploy job needs for one kind of target, each
// statement scoped to the resources the stack names. Actions follow what the deploy steps in
// the seed articles call (docker push + register task definition + update service; update
// function code + publish version + wait; s3 sync --delete + CloudFront invalidation).

import {
    BOUNDARY_CONDITIONED_ACTIONS,
    keylessAccountActions,
    keylessActions,
    keylessResourceArns,
    KeylessTarget,
    NEVER_ALLOWED_ACTIONS,
    POLICY_CHANGE_ACTIONS,
    ROLE_CHANGE_ACTIONS,
} from "./keylessPermissions";
import { Partition } from "./names";

/** An IAM policy statement as keyless writes it. */
export interface Statement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | string[];
    readonly Resource: string | string[];
    readonly Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
    readonly Version: "2012-10-17";
    readonly Statement: Statement[];
}

/** Where the named resources live. */
export interface ResourceScope {
    readonly partition: Partition;
    readonly region: string;
    readonly accountId: string;
    /** keyless's own resources in the stack; needed by the `keyless` and `keylessRead` presets. */
    readonly keyless?: KeylessTarget;
    /**
     * The ARN of the role the statements are written for. The `keyless` preset denies every
     * change to it, so keyless's own deploy role can never rewrite itself.
     */
    readonly roleArn?: string;
}

/** Push images to named ECR repositories and roll named ECS services onto a new task definition. */
export interface EcsPreset {
    /** The ECS cluster the services run in. */
    readonly cluster: string;
    /** Services the job may update (`aws ecs update-service`). */
    readonly services: readonly string[];
    /** ECR repositories the job pushes images to. */
    readonly ecrRepositories: readonly string[];
    /**
     * ARNs of the task roles and task execution roles the task definitions name. Registering a
     * task definition passes them, so the job gets iam:PassRole on exactly these, and only
     * towards ecs-tasks.amazonaws.com.
     */
    readonly taskRoleArns: readonly string[];
}

/** Update the code of named Lambda functions and publish a version. */
export interface LambdaPreset {
    /** Function names. */
    readonly functions: readonly string[];
}

/** Sync a build to a named S3 bucket and invalidate a named CloudFront distribution. */
export interface StaticSitePreset {
    readonly bucket: string;
    readonly distributionId: string;
}

/**
 * keyless's own deploy role: everything `pulumi up` of this stack does in AWS (components/
 * keylessPermissions.ts), on the stack's role path, OIDC provider and boundaries only. No fields:
 * it is derived from the stack (account, `keyless:rolePath`, issuer, permissions boundaries).
 */
export type KeylessPreset = Readonly<Record<string, never>>;

export interface PermissionPresets {
    readonly ecs?: EcsPreset;
    readonly lambda?: LambdaPreset;
    readonly staticSite?: StaticSitePreset;
    readonly keyless?: KeylessPreset;
    /** keyless's read-only preview and drift roles: what `pulumi preview --refresh` of this stack reads. */
    readonly keylessRead?: KeylessPreset;
}

export const PRESET_FIELDS = {
    ecs: ["cluster", "services", "ecrRepositories", "taskRoleArns"],
    lambda: ["functions"],
    staticSite: ["bucket", "distributionId"],
    keyless: [],
    keylessRead: [],
} as const;

/** Presets that only read: allowed on pull_request roles. */
export const READ_ONLY_PRESETS: readonly (keyof PermissionPresets)[] = ["keylessRead"];

function arn(scope: ResourceScope, service: string, resource: string, regional = true): string {
    return `arn:${scope.partition}:${service}:${regional ? scope.region : ""}:${scope.accountId}:${resource}`;
}

export function ecsStatements(preset: EcsPreset, scope: ResourceScope): Statement[] {
    return [
        {
            // GetAuthorizationToken has no resource-level permissions: AWS only accepts "*".
            Sid: "EcrLogin",
            Effect: "Allow",
            Action: "ecr:GetAuthorizationToken",
            Resource: "*",
        },
        {
            Sid: "EcrPushToNamedRepositories",
            Effect: "Allow",
            Action: [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:CompleteLayerUpload",
                "ecr:GetDownloadUrlForLayer",
                "ecr:InitiateLayerUpload",
                "ecr:PutImage",
                "ecr:UploadLayerPart",
            ],
            Resource: preset.ecrRepositories.map((name) => arn(scope, "ecr", `repository/${name}`)),
        },
        {
            // Task definition registration and lookup are account-level actions in IAM.
            Sid: "EcsTaskDefinitions",
            Effect: "Allow",
            Action: ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
            Resource: "*",
        },
        {
            Sid: "EcsUpdateNamedServices",
            Effect: "Allow",
            Action: ["ecs:DescribeServices", "ecs:UpdateService"],
            Resource: preset.services.map((service) => arn(scope, "ecs", `service/${preset.cluster}/${service}`)),
        },
        {
            Sid: "PassNamedTaskRolesToEcs",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: [...preset.taskRoleArns],
            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
        },
    ];
}

export function lambdaStatements(preset: LambdaPreset, scope: ResourceScope): Statement[] {
    return [
        {
            Sid: "LambdaDeployNamedFunctions",
            Effect: "Allow",
            Action: [
                "lambda:GetFunction",
                "lambda:GetFunctionConfiguration",
                "lambda:PublishVersion",
                "lambda:UpdateFunctionCode",
            ],
            // The qualified form covers reads of a published version or alias of the same function.
            Resource: preset.functions.flatMap((name) => [
                arn(scope, "lambda", `function:${name}`),
                arn(scope, "lambda", `function:${name}:*`),
            ]),
        },
    ];
}

export function staticSiteStatements(preset: StaticSitePreset, scope: ResourceScope): Statement[] {
    const bucket = `arn:${scope.partition}:s3:::${preset.bucket}`;
    return [
        {
            Sid: "S3ListSiteBucket",
            Effect: "Allow",
            Action: "s3:ListBucket",
            Resource: bucket,
        },
        {
            Sid: "S3SyncSiteObjects",
            Effect: "Allow",
            Action: ["s3:DeleteObject", "s3:PutObject"],
            Resource: `${bucket}/*`,
        },
        {
            Sid: "CloudFrontInvalidateSite",
            Effect: "Allow",
            Action: ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"],
            Resource: arn(scope, "cloudfront", `distribution/${preset.distributionId}`, false),
        },
    ];
}

function keylessTarget(scope: ResourceScope): KeylessTarget {
    if (scope.keyless === undefined) {
        throw new Error("the keyless presets need the stack's role path, issuer and permissions boundary (ResourceScope.keyless)");
    }
    return scope.keyless;
}

/**
 * keyless's own deploy role. Roles only under the stack's path; creating a role or setting a
 * boundary only with one of the stack's boundaries (iam:PermissionsBoundary), so every role it
 * makes stays capped; removing a boundary is denied outright. It never changes itself (its trust,
 * policies, boundary, tags) nor the boundary policy: unconditional Denies, which no Allow of an
 * attached or inline policy can lift (IAM User Guide, "Policy evaluation logic": an explicit deny
 * overrides any allow), and which it cannot remove because removing them changes itself. A
 * change to keyless's own deploy role is an administrator's run (README, "keyless's own deploy
 * role"). An adopted provider (keyless:oidcProviderArn) belongs to another stack: read only. No
 * iam:PassRole: keyless never passes a role to a service.
 */
export function keylessStatements(scope: ResourceScope): Statement[] {
    const target = keylessTarget(scope);
    const arns = keylessResourceArns(target);
    const roleActions = keylessActions("role", "all");
    return [
        {
            Sid: target.providerAdopted ? "KeylessReadAdoptedGithubOidcProvider" : "KeylessManageGithubOidcProvider",
            Effect: "Allow",
            Action: keylessActions("oidcProvider", target.providerAdopted ? "read" : "all"),
            Resource: arns.oidcProvider,
        },
        { Sid: "KeylessFindGithubOidcProvider", Effect: "Allow", Action: keylessAccountActions(), Resource: "*" },
        {
            Sid: "KeylessCreateRolesWithinBoundary",
            Effect: "Allow",
            Action: roleActions.filter((action) => BOUNDARY_CONDITIONED_ACTIONS.includes(action)),
            Resource: arns.role,
            Condition: {
                StringEquals: {
                    "iam:PermissionsBoundary":
                        target.permissionsBoundaryArns.length === 1 ? target.permissionsBoundaryArns[0] : [...target.permissionsBoundaryArns],
                },
            },
        },
        {
            Sid: "KeylessManageRoles",
            Effect: "Allow",
            Action: roleActions.filter((action) => !BOUNDARY_CONDITIONED_ACTIONS.includes(action)),
            Resource: arns.role,
        },
        {
            Sid: "KeylessReadPermissionsBoundary",
            Effect: "Allow",
            Action: keylessActions("boundaryPolicy", "all"),
            Resource: arns.boundaryPolicy,
        },
        {
            Sid: "KeylessNeverRemoveABoundary",
            Effect: "Deny",
            Action: [...NEVER_ALLOWED_ACTIONS],
            Resource: "*",
        },
        ...(scope.roleArn === undefined
            ? []
            : [{ Sid: "KeylessNeverChangeItself", Effect: "Deny" as const, Action: [...ROLE_CHANGE_ACTIONS], Resource: scope.roleArn }]),
        {
            Sid: "KeylessNeverChangeTheBoundary",
            Effect: "Deny",
            Action: [...POLICY_CHANGE_ACTIONS],
            Resource: arns.boundaryPolicy,
        },
    ];
}

/** keyless's read-only roles (pull request previews, the drift check): every read of a refresh and a preview. */
export function keylessReadStatements(scope: ResourceScope): Statement[] {
    const arns = keylessResourceArns(keylessTarget(scope));
    return [
        { Sid: "KeylessReadGithubOidcProvider", Effect: "Allow", Action: keylessActions("oidcProvider", "read"), Resource: arns.oidcProvider },
        { Sid: "KeylessFindGithubOidcProvider", Effect: "Allow", Action: keylessAccountActions(), Resource: "*" },
        { Sid: "KeylessReadRoles", Effect: "Allow", Action: keylessActions("role", "read"), Resource: arns.role },
        { Sid: "KeylessReadPermissionsBoundary", Effect: "Allow", Action: keylessActions("boundaryPolicy", "read"), Resource: arns.boundaryPolicy },
    ];
}

/** Every preset's statements, in a stable order. */
export function presetStatements(presets: PermissionPresets, scope: ResourceScope): Statement[] {
    return [
        ...(presets.ecs ? ecsStatements(presets.ecs, scope) : []),
        ...(presets.lambda ? lambdaStatements(presets.lambda, scope) : []),
        ...(presets.staticSite ? staticSiteStatements(presets.staticSite, scope) : []),
        ...(presets.keyless ? keylessStatements(scope) : []),
        ...(presets.keylessRead && !presets.keyless ? keylessReadStatements(scope) : []),
    ];
}
