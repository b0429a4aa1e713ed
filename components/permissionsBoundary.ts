// The permissions boundary every role of a keyless stack carries, as a pure function: what a
// deploy role (keyless's own included) may do at most, whatever its own policies say. A platform
// team creates it once per account, as an IAM administrator, with `npm run bootstrap-boundary`
// (tools/bootstrapBoundary.ts): keyless's own role must never be able to change its own cap, so
// the program does not manage it.
//
// Effective permissions are the intersection of a role's policies and its boundary (IAM User
// Guide, "Permissions boundaries for IAM entities"), so the boundary's Allow part lists what the
// presets can grant; the Deny part keeps holding even if someone later widens the Allow part.

import { KeylessConfig } from "./config";
import { keylessResourceArns, KeylessTarget, NEVER_ALLOWED_ACTIONS, POLICY_CHANGE_ACTIONS, ROLE_CHANGE_ACTIONS } from "./keylessPermissions";
import { iamRoleArn } from "./names";
import {
    ecsStatements,
    keylessReadStatements,
    keylessStatements,
    lambdaStatements,
    PolicyDocument,
    ResourceScope,
    Statement,
    staticSiteStatements,
} from "./presets";

/** IAM's limit for a managed policy document, whitespace not counted (IAM and STS quotas). */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export interface PermissionsBoundaryArgs {
    /** The stack's account, role path, issuer and boundary ARNs. */
    readonly target: KeylessTarget;
    /** The stack's region (only used to build the presets' sample statements). */
    readonly region: string;
    /**
     * ECS task and execution roles the stack's `ecs` presets pass. The boundary allows
     * iam:PassRole on exactly these, towards ECS tasks only: a boundary allowing PassRole on every
     * role would let any deploy role hand an administrator role to a task it registers.
     */
    readonly passableTaskRoleArns: readonly string[];
    /**
     * ARNs of keyless's own deploy roles (the roles with the `keyless` preset). Only they may
     * change roles (aws:PrincipalArn), and no role carrying the boundary may change them.
     */
    readonly keylessRoleArns: readonly string[];
}

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** Every action the deployment presets can grant, iam:PassRole aside, whatever their fields. */
export function deploymentPresetActions(scope: ResourceScope): string[] {
    const samples: Statement[] = [
        ...ecsStatements({ cluster: "c", services: ["s"], ecrRepositories: ["r"], taskRoleArns: [] }, scope),
        ...lambdaStatements({ functions: ["f"] }, scope),
        ...staticSiteStatements({ bucket: "bucket", distributionId: "E000000000" }, scope),
    ];
    const actions = samples.filter((statement) => statement.Effect === "Allow").flatMap((statement) => list(statement.Action));
    return [...new Set(actions.filter((action) => action.toLowerCase() !== "iam:passrole"))].sort();
}

/** The boundary's policy document. */
export function permissionsBoundaryDocument(args: PermissionsBoundaryArgs): PolicyDocument {
    const { target } = args;
    const scope: ResourceScope = { partition: target.partition, region: args.region, accountId: target.accountId, keyless: target };
    const boundaries = target.permissionsBoundaryArns.length === 1 ? target.permissionsBoundaryArns[0] : [...target.permissionsBoundaryArns];
    // keyless's own rights: every read for every role (previews and drift checks read), every
    // change only for keyless's own deploy roles. aws:PrincipalArn is the role's ARN, not the
    // session's, for a session of an assumed role (IAM User Guide, "AWS global condition context
    // keys"), path included: SCPs exempt IAM Identity Center roles with ArnNotLike aws:PrincipalArn
    // arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_<set>_* (e.g.
    // dev.classmethod.jp/articles/iam-identity-center-scp-awsreservedsso-role-arn/).
    const principal = [...new Set(args.keylessRoleArns)].sort();
    const readStatements = keylessReadStatements(scope);
    const reads = readStatements.map((statement) => ({ ...statement, Sid: `Boundary${statement.Sid ?? ""}` }));
    // The reads are allowed above already; each change statement keeps the rest (the managed
    // policy size limit is 6,144 characters).
    const readOn = (resource: string | string[]) =>
        new Set(readStatements.filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(resource)).flatMap((statement) => list(statement.Action)));
    const changes =
        principal.length === 0
            ? []
            : keylessStatements(scope)
                  .filter((statement) => statement.Effect === "Allow")
                  .map((statement) => ({ ...statement, Action: list(statement.Action).filter((action) => !readOn(statement.Resource).has(action)) }))
                  .filter((statement) => statement.Action.length > 0)
                  .map((statement) => ({
                      ...statement,
                      Sid: `Boundary${statement.Sid ?? ""}`,
                      Condition: { ...statement.Condition, ArnEquals: { "aws:PrincipalArn": principal.length === 1 ? principal[0] : principal } },
                  }));
    const passRole: Statement[] =
        args.passableTaskRoleArns.length === 0
            ? []
            : [
                  {
                      Sid: "BoundaryPassNamedTaskRolesToEcs",
                      Effect: "Allow",
                      Action: "iam:PassRole",
                      Resource: [...new Set(args.passableTaskRoleArns)].sort(),
                      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                  },
              ];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                // The presets scope these to named resources; the boundary caps the actions.
                Sid: "BoundaryDeploymentPresetActions",
                Effect: "Allow",
                Action: deploymentPresetActions(scope),
                Resource: "*",
            },
            ...passRole,
            ...reads,
            ...changes,
            {
                Sid: "BoundaryNeverRemoveABoundary",
                Effect: "Deny",
                Action: [...NEVER_ALLOWED_ACTIONS],
                Resource: "*",
            },
            {
                // A role created or re-bounded with another boundary (or none) would escape the cap.
                // A negated operator is true when the key is absent, so a role without a boundary
                // is denied too.
                Sid: "BoundaryOnlyThisBoundaryOnRoles",
                Effect: "Deny",
                Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
                Resource: "*",
                Condition: { StringNotEquals: { "iam:PermissionsBoundary": boundaries } },
            },
            {
                Sid: "BoundaryNeverEditTheBoundary",
                Effect: "Deny",
                Action: [...POLICY_CHANGE_ACTIONS],
                Resource: keylessResourceArns(target).boundaryPolicy,
            },
            ...(principal.length === 0
                ? []
                : [
                      {
                          // keyless's own deploy roles are changed by an administrator's run only:
                          // neither they nor any other bounded role may rewrite them.
                          Sid: "BoundaryKeylessRolesChangeOnlyByAdministrators",
                          Effect: "Deny" as const,
                          Action: [...ROLE_CHANGE_ACTIONS],
                          Resource: principal.length === 1 ? principal[0] : principal,
                      },
                  ]),
            {
                // Deploys are keyless: no IAM users, passwords or long-lived keys.
                Sid: "BoundaryNoLongLivedCredentials",
                Effect: "Deny",
                Action: [
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:CreateServiceSpecificCredential",
                    "iam:CreateUser",
                    "iam:UpdateLoginProfile",
                    "iam:UploadSSHPublicKey",
                ],
                Resource: "*",
            },
            {
                Sid: "BoundaryStayInTheOrganization",
                Effect: "Deny",
                Action: "organizations:LeaveOrganization",
                Resource: "*",
            },
        ],
    };
}

/** Characters IAM counts against the managed policy size limit (whitespace is not counted). */
export function managedPolicySize(document: unknown): number {
    return JSON.stringify(document).replace(/\s/g, "").length;
}

/** The boundary arguments of a checked stack config, or why the stack has no boundary to create. */
export function boundaryArgsForStack(config: KeylessConfig): PermissionsBoundaryArgs | { problem: string } {
    const boundaries = [...new Set(config.deployments.map((d) => d.permissionsBoundaryArn).filter((arn): arn is string => arn !== undefined))];
    if (boundaries.length === 0) {
        return { problem: `stack ${config.stack} sets no permissions boundary: set keyless:permissionsBoundaryArn (e.g. arn:${config.partition}:iam::${config.accountId}:policy/github-actions-boundary)` };
    }
    return {
        target: {
            partition: config.partition,
            accountId: config.accountId,
            rolePath: config.rolePath,
            issuerHost: config.issuerHost,
            permissionsBoundaryArns: boundaries.sort(),
            providerAdopted: config.oidcProviderArn !== undefined,
        },
        region: config.region,
        passableTaskRoleArns: config.deployments.flatMap((d) => d.presets.ecs?.taskRoleArns ?? []),
        keylessRoleArns: config.deployments
            .filter((d) => d.presets.keyless !== undefined)
            .map((d) => iamRoleArn(config.partition, config.accountId, config.rolePath, d.roleName)),
    };
}
