// An entry's `permissions`: the presets, statements and managed policies it names, read with the
// schema's field schemas and checked with the same analysis the policy pack applies, so keyless
// never creates what the pack would block. Findings on the merged document are pointed back at
// what the user wrote.

import { checkManagedPolicyArn, checkPermissionPolicy } from "../../policy/analysis";
import { isObject, JsonObject, Problems, rejectDuplicates, rejectUnknownFields, show } from "../configReader";
import { permissionPolicy } from "../documents";
import { Partition, parseArn } from "../names";
import { PermissionPresets, PolicyDocument, PRESET_FIELDS, presetStatements, READ_ONLY_PRESETS, ResourceScope, Statement } from "../presets";
import { TrustContext } from "../subjects";
import { read } from "./issues";
import { FIELDS, PERMISSION_FIELDS, STATEMENT_FIELDS } from "./schema";

export interface ReadPermissions {
    readonly document: PolicyDocument;
    readonly presets: PermissionPresets;
    readonly managedPolicyArns: string[];
    readonly sources: string[];
}

/** What reading an entry's permissions needs of the stack. */
export interface PermissionsContext {
    readonly problems: Problems;
    /** The stack's scope; undefined when its account, region or role path is invalid. */
    readonly scope: ResourceScope | undefined;
    /** The scope the checks run on when `scope` is undefined. */
    readonly standInScope: ResourceScope;
    /** The boundary the entry's role carries. */
    readonly permissionsBoundaryArn: string | undefined;
}

/** Reads an entry's `permissions`: presets, statements and managed policies, checked as the pack checks them. */
export function readPermissions(
    raw: unknown,
    permissionsKey: string,
    trustContext: TrustContext | undefined,
    context: PermissionsContext,
): ReadPermissions | undefined {
    const { problems, scope } = context;
    if (raw === undefined) {
        problems.add(permissionsKey, `missing; give a preset (${Object.keys(PRESET_FIELDS).join(", ")}), statements or managedPolicyArns`);
        return undefined;
    }
    if (!isObject(raw)) {
        problems.add(permissionsKey, `expected an object, got ${show(raw)}`);
        return undefined;
    }
    const before = problems.size;
    rejectUnknownFields(raw, PERMISSION_FIELDS, permissionsKey, problems);
    const presets: { -readonly [P in keyof PermissionPresets]: PermissionPresets[P] } = {};
    if (raw.ecs !== undefined) presets.ecs = readEcs(raw.ecs, `${permissionsKey}.ecs`, scope, problems);
    if (raw.lambda !== undefined) presets.lambda = readLambda(raw.lambda, `${permissionsKey}.lambda`, problems);
    if (raw.staticSite !== undefined) presets.staticSite = readStaticSite(raw.staticSite, `${permissionsKey}.staticSite`, problems);
    for (const name of ["keyless", "keylessRead"] as const) {
        if (raw[name] === undefined) continue;
        const preset = raw[name];
        if (isObject(preset) && Object.keys(preset).length === 0) presets[name] = {};
        else problems.add(`${permissionsKey}.${name}`, `expected {} (the preset has no fields: it follows the stack's account, role path and boundary), got ${show(preset)}`);
    }

    const statements = raw.statements === undefined ? [] : readStatements(raw.statements, `${permissionsKey}.statements`, problems);
    const managedPolicyArns =
        raw.managedPolicyArns === undefined
            ? []
            : read(FIELDS.textList, raw.managedPolicyArns, `${permissionsKey}.managedPolicyArns`, problems) ?? [];
    managedPolicyArns.forEach((arn, index) => {
        const arnKey = `${permissionsKey}.managedPolicyArns[${index}]`;
        if (scope) checkPolicyArn(arn, arnKey, scope, problems);
        const admin = checkManagedPolicyArn(arn);
        if (admin) problems.add(arnKey, admin.message);
    });
    rejectDuplicates(managedPolicyArns, `${permissionsKey}.managedPolicyArns`, problems, "policy");

    if (presets.keyless !== undefined || presets.keylessRead !== undefined) {
        const which = presets.keyless !== undefined ? "keyless" : "keylessRead";
        if (context.permissionsBoundaryArn === undefined) {
            problems.add(
                `${permissionsKey}.${which}`,
                "keyless's own roles create and read roles that must stay capped: set keyless:permissionsBoundaryArn " +
                    "(see the README's bootstrap of the permissions boundary)",
            );
        }
        if ((scope ?? context.standInScope).keyless?.rolePath === "/") {
            problems.add(
                `${permissionsKey}.${which}`,
                "with keyless:rolePath / the preset would cover every role of the account; give keyless its own path, e.g. /github-actions/",
            );
        }
    }
    if (trustContext?.kind === "pullRequest") {
        for (const preset of Object.keys(presets).filter((name) => !(READ_ONLY_PRESETS as string[]).includes(name))) {
            problems.add(
                `${permissionsKey}.${preset}`,
                "a pull_request role runs code from any branch a contributor pushes, so it must stay read-only; " +
                    "deployment presets belong on an environment role",
            );
        }
    }
    if (Object.keys(presets).length + statements.length + managedPolicyArns.length === 0) {
        problems.add(permissionsKey, `empty; give a preset (${Object.keys(PRESET_FIELDS).join(", ")}), statements or managedPolicyArns`);
    }
    if (problems.size > before) return undefined;

    const documentScope = scope ?? context.standInScope;
    const document = permissionPolicy(presets, statements, documentScope);
    const sids = document.Statement.map((statement) => statement.Sid).filter((sid): sid is string => sid !== undefined);
    rejectDuplicates(sids, `${permissionsKey}.statements`, problems, "Sid");
    // The same analysis the policy pack applies: keyless never creates what the pack would block.
    const presetCount = document.Statement.length - statements.length;
    for (const finding of checkPermissionPolicy(document)) {
        const [where, message] = locateStatement(finding.location, finding.message, presetCount, presets, permissionsKey, documentScope);
        problems.add(where, message);
    }
    if (!scope) return undefined;
    const sources = [
        ...Object.keys(presets),
        ...(statements.length > 0 ? ["statements"] : []),
        ...(managedPolicyArns.length > 0 ? ["managed"] : []),
    ];
    return problems.size > before ? undefined : { document, presets, managedPolicyArns, sources };
}

export const STAND_IN_SCOPE: ResourceScope = { partition: "aws", region: "us-east-1", accountId: "000000000000" };

/**
 * Points a finding on the merged document (presets first, then the entry's own statements) at
 * what the user wrote: `Statement[5]` of a document with 3 preset statements is the entry's
 * `statements[2]`; a preset statement is its preset.
 */
function locateStatement(
    location: string,
    message: string,
    presetCount: number,
    presets: PermissionPresets,
    permissionsKey: string,
    scope: ResourceScope,
): [string, string] {
    const match = /^Statement(?:\[(\d+)\])?( \(Sid .*\))?$/.exec(location);
    if (!match) return [permissionsKey, `${location}: ${message}`];
    const index = Number(match[1] ?? 0);
    if (index >= presetCount) return [`${permissionsKey}.statements[${index - presetCount}]`, message];
    const names = (Object.keys(PRESET_FIELDS) as (keyof PermissionPresets)[]).filter((name) => presets[name] !== undefined);
    let first = 0;
    for (const name of names) {
        const count = presetStatements({ [name]: presets[name] }, scope).length;
        if (index < first + count) return [`${permissionsKey}.${name}`, message];
        first += count;
    }
    return [permissionsKey, `${location}: ${message}`];
}

function readFields(raw: unknown, fieldsKey: string, fields: readonly string[], problems: Problems): JsonObject | undefined {
    if (!isObject(raw)) {
        problems.add(fieldsKey, `expected an object with ${fields.join(", ")}, got ${show(raw)}`);
        return undefined;
    }
    rejectUnknownFields(raw, fields, fieldsKey, problems);
    for (const field of fields) {
        if (raw[field] === undefined) problems.add(`${fieldsKey}.${field}`, "missing");
    }
    return raw;
}

function nonEmpty(list: string[] | undefined, listKey: string, problems: Problems, what: string): string[] | undefined {
    if (list && list.length === 0) problems.add(listKey, `empty; name at least one ${what}`);
    if (list) rejectDuplicates(list, listKey, problems, what);
    return list;
}

function readEcs(raw: unknown, ecsKey: string, scope: ResourceScope | undefined, problems: Problems) {
    const fields = readFields(raw, ecsKey, PRESET_FIELDS.ecs, problems);
    if (!fields) return undefined;
    const cluster = read(FIELDS.ecsCluster, fields.cluster, `${ecsKey}.cluster`, problems);
    const services = nonEmpty(
        read(FIELDS.ecsServices, fields.services, `${ecsKey}.services`, problems),
        `${ecsKey}.services`,
        problems,
        "service",
    );
    const ecrRepositories = nonEmpty(
        read(FIELDS.ecrRepositories, fields.ecrRepositories, `${ecsKey}.ecrRepositories`, problems),
        `${ecsKey}.ecrRepositories`,
        problems,
        "repository",
    );
    const taskRoleArns = nonEmpty(
        read(FIELDS.textList, fields.taskRoleArns, `${ecsKey}.taskRoleArns`, problems),
        `${ecsKey}.taskRoleArns`,
        problems,
        "role",
    );
    taskRoleArns?.forEach((arn, index) => {
        const parsed = parseArn(arn);
        const roleKey = `${ecsKey}.taskRoleArns[${index}]`;
        if (/[*?]/.test(arn)) {
            problems.add(roleKey, `${show(arn)} has a wildcard; name each task and execution role exactly`);
        } else if (!parsed || parsed.service !== "iam" || !/^role\/(?:[\x21-\x7e]+\/)?[A-Za-z0-9+=,.@_-]{1,64}$/.test(parsed.resource)) {
            problems.add(roleKey, `${show(arn)} is not the ARN of one IAM role (arn:aws:iam::123456789012:role/name)`);
        } else if (scope && (parsed.partition !== scope.partition || parsed.account !== scope.accountId)) {
            problems.add(roleKey, `${show(arn)} is not in this stack's account ${scope.accountId} (${scope.partition})`);
        }
    });
    if (!cluster || !services || !ecrRepositories || !taskRoleArns) return undefined;
    return { cluster, services, ecrRepositories, taskRoleArns };
}

function readLambda(raw: unknown, lambdaKey: string, problems: Problems) {
    const fields = readFields(raw, lambdaKey, PRESET_FIELDS.lambda, problems);
    if (!fields) return undefined;
    const functions = nonEmpty(
        read(FIELDS.lambdaFunctions, fields.functions, `${lambdaKey}.functions`, problems),
        `${lambdaKey}.functions`,
        problems,
        "function",
    );
    return functions ? { functions } : undefined;
}

function readStaticSite(raw: unknown, siteKey: string, problems: Problems) {
    const fields = readFields(raw, siteKey, PRESET_FIELDS.staticSite, problems);
    if (!fields) return undefined;
    const bucket = read(FIELDS.s3Bucket, fields.bucket, `${siteKey}.bucket`, problems);
    const distributionId = read(FIELDS.distributionId, fields.distributionId, `${siteKey}.distributionId`, problems);
    return bucket && distributionId ? { bucket, distributionId } : undefined;
}

function readStatements(raw: unknown, statementsKey: string, problems: Problems): Statement[] {
    if (!Array.isArray(raw)) {
        problems.add(statementsKey, `expected a list of IAM statements, got ${show(raw)}`);
        return [];
    }
    const statements: Statement[] = [];
    raw.forEach((statement, index) => {
        const statementKey = `${statementsKey}[${index}]`;
        if (!isObject(statement)) {
            problems.add(statementKey, `expected an IAM statement object, got ${show(statement)}`);
            return;
        }
        for (const field of ["NotAction", "NotResource", "Principal", "NotPrincipal"]) {
            if (statement[field] !== undefined) {
                problems.add(
                    `${statementKey}.${field}`,
                    field.startsWith("Not")
                        ? `keyless takes allow-lists only: ${field} grants everything it does not name; list the actions and resources instead`
                        : "a permission statement has no principal; the role is the principal",
                );
            }
        }
        rejectUnknownFields(
            Object.fromEntries(Object.entries(statement).filter(([field]) => !["NotAction", "NotResource", "Principal", "NotPrincipal"].includes(field))),
            STATEMENT_FIELDS,
            statementKey,
            problems,
        );
        const sid =
            statement.Sid === undefined
                ? undefined
                : read(FIELDS.sid, statement.Sid, `${statementKey}.Sid`, problems);
        const effect = read(FIELDS.effect, statement.Effect, `${statementKey}.Effect`, problems);
        const actions = read(FIELDS.actions, statement.Action, `${statementKey}.Action`, problems);
        const resources = read(FIELDS.resources, statement.Resource, `${statementKey}.Resource`, problems);
        if (actions?.length === 0) problems.add(`${statementKey}.Action`, "empty; name the actions");
        if (resources?.length === 0) problems.add(`${statementKey}.Resource`, "empty; name the resources");
        let condition: Statement["Condition"];
        if (statement.Condition !== undefined) {
            if (!isObject(statement.Condition) || !Object.values(statement.Condition).every(isObject)) {
                problems.add(`${statementKey}.Condition`, `expected an IAM condition block, got ${show(statement.Condition)}`);
            } else {
                condition = statement.Condition as Statement["Condition"];
            }
        }
        if (effect && actions && resources && actions.length > 0 && resources.length > 0) {
            statements.push({
                ...(sid ? { Sid: sid } : {}),
                Effect: effect,
                Action: actions.length === 1 ? actions[0] : actions,
                Resource: resources.length === 1 ? resources[0] : resources,
                ...(condition ? { Condition: condition } : {}),
            });
        }
    });
    return statements;
}

/** Checks a managed policy ARN (a boundary or an attachment) against the stack's partition and account. */
export function checkPolicyArn(
    arn: string,
    arnKey: string,
    scope: { partition: Partition; accountId: string | undefined },
    problems: Problems,
): void {
    const parsed = parseArn(arn);
    if (!parsed || parsed.service !== "iam" || !/^policy\/(?:[\x21-\x7e]+\/)?[A-Za-z0-9+=,.@_-]{1,128}$/.test(parsed.resource)) {
        problems.add(arnKey, `${show(arn)} is not an IAM managed policy ARN (arn:aws:iam::aws:policy/Name or arn:aws:iam::123456789012:policy/Name)`);
        return;
    }
    if (/[*?]/.test(arn)) problems.add(arnKey, `${show(arn)} has a wildcard; name one policy`);
    if (parsed.partition !== scope.partition) {
        problems.add(arnKey, `${show(arn)} is in partition ${parsed.partition}, this stack is in ${scope.partition}`);
    }
    if (parsed.account !== "aws" && scope.accountId && parsed.account !== scope.accountId) {
        problems.add(arnKey, `${show(arn)} belongs to account ${parsed.account}; a role can only use AWS-managed policies or this account's (${scope.accountId})`);
    }
}
