// Deployment-target presets: the permissions a deploy job needs for one kind of target, each
// statement scoped to the resources the stack names. Actions follow what the deploy steps in
// the seed articles call (docker push + register task definition + update service; update
// function code + publish version + wait; s3 sync --delete + CloudFront invalidation).

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

export interface PermissionPresets {
    readonly ecs?: EcsPreset;
    readonly lambda?: LambdaPreset;
    readonly staticSite?: StaticSitePreset;
}

export const PRESET_FIELDS = {
    ecs: ["cluster", "services", "ecrRepositories", "taskRoleArns"],
    lambda: ["functions"],
    staticSite: ["bucket", "distributionId"],
} as const;

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

/** Every preset's statements, in a stable order. */
export function presetStatements(presets: PermissionPresets, scope: ResourceScope): Statement[] {
    return [
        ...(presets.ecs ? ecsStatements(presets.ecs, scope) : []),
        ...(presets.lambda ? lambdaStatements(presets.lambda, scope) : []),
        ...(presets.staticSite ? staticSiteStatements(presets.staticSite, scope) : []),
    ];
}
