// Runs a Pulumi TypeScript program under Pulumi's mocks, with a stack's config, and records what
// it registers in the wire form the engine would pass to a policy pack (secrets and unknowns
// marked). Cloud lookups get offline answers; GitHub's come from a GitHub "world" given by the
// caller, or are offline stand-ins marked as such (tools/offlineGithub.ts); every made-up ID is
// recorded so reports can say it is a stand-in.

import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
    ExclusiveSync,
    ExistingRole,
    getPolicyAccessDeniedError,
    getPolicyNotFoundError,
    IamAccountModel,
    managedPolicyError,
    oidcProviderExistsError,
    oidcProviderNotFoundError,
    RoleDocuments,
} from "../components/realServices/iam";
import { isSecret } from "../policy/harness/analyzerClient";
import { answerGithubInvoke, engineInvokeError, githubRegistrationRefusal, GithubWorld } from "./offlineGithub";

/** A resource as the engine would hand it to a policy pack. */
export interface RecordedResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent?: string;
    readonly provider?: string;
    /** Inputs in Pulumi's wire form. */
    readonly properties: Record<string, unknown>;
    /** Inputs with secrets unwrapped, for reading. */
    readonly inputs: Record<string, unknown>;
    /** Outputs in wire form: what the mocks returned (inputs plus computed ARNs and IDs). */
    readonly outputs: Record<string, unknown>;
    /** Outputs with secrets unwrapped, for reading. */
    readonly state: Record<string, unknown>;
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
}

export interface RecordedInvoke {
    readonly token: string;
    readonly args: Record<string, unknown>;
    readonly result: Record<string, unknown>;
}

export interface OfflineRunOptions {
    /** The program's directory (its package.json `main` is loaded, as the CLI does). */
    readonly programDir: string;
    readonly project: string;
    readonly stack: string;
    /** Full config key to value as text. */
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys?: readonly string[];
    /** AWS account the stand-in credentials belong to. Defaults to 123456789012. */
    readonly accountId?: string;
    /** Run as `pulumi preview` (true, the default) or as `pulumi up`. */
    readonly preview?: boolean;
    /**
     * The GitHub the program talks to (owner and plan, repositories, reviewers' access, refused
     * questions): GitHub's answers come from it and GitHub resources it would refuse fail the run.
     * Without one, GitHub's answers are offline stand-ins, marked as such (tools/offlineGithub.ts).
     */
    readonly github?: GithubWorld;
    /**
     * Answers to data-source calls that replace the offline stand-ins; return undefined to
     * keep the stand-in. Throwing makes the call fail, as a provider error would.
     */
    readonly answers?: (token: string, args: Record<string, unknown>) => Record<string, unknown> | undefined;
    /** What exists in the AWS account. Defaults to the stand-in world (see AwsWorld). */
    readonly aws?: AwsWorld;
    /** Environment variables the program sees during the run (restored afterwards). */
    readonly env?: Readonly<Record<string, string>>;
}

/**
 * The AWS account the mocks answer for. Without `policies`, every managed policy looked up is
 * assumed to exist, and each such assumption is recorded (OfflineRun.assumptions) because only
 * `pulumi up` can check it against AWS.
 */
export interface AwsWorld {
    /** ARNs of the managed policies that exist; getPolicy of any other answers NoSuchEntity. */
    readonly policies?: readonly string[];
    /** ARNs the credentials may not read: getPolicy answers AccessDenied. */
    readonly unreadablePolicies?: readonly string[];
    /**
     * The OIDC providers the account holds. Without it the account holds none but those the run
     * creates, and a lookup by ARN answers for any ARN (an adopted provider is assumed to fit).
     */
    readonly oidcProviders?: readonly ExistingOidcProvider[];
    /** The roles the account holds before the run: another stack's, or this stack's as edited by hand. */
    readonly roles?: readonly ExistingRole[];
}

export interface ExistingOidcProvider {
    /** e.g. `https://token.actions.githubusercontent.com`. */
    readonly url: string;
    /** Defaults to `["sts.amazonaws.com"]`. */
    readonly clientIds?: readonly string[];
    readonly tags?: Readonly<Record<string, string>>;
}

/** What an exclusive resource's sync does to a role: in a preview what `up` would remove, after `up` what it removed. */
export interface AwsExclusiveChange extends ExclusiveSync {
    readonly type: string;
}

export interface OfflineRun {
    /** The AWS account, region and partition the run stood for. */
    readonly account: { readonly id: string; readonly region: string; readonly partition: string };
    readonly resources: RecordedResource[];
    readonly invokes: RecordedInvoke[];
    readonly outputs: Record<string, unknown> | undefined;
    /** Warnings the program logged. */
    readonly warnings: string[];
    /** Made-up numeric IDs handed to the program, and what each stands for. */
    readonly standIns: ReadonlyMap<number, string>;
    /** Facts about AWS the offline world assumed, which only `pulumi up` checks. */
    readonly assumptions: string[];
    /** The exclusive policy resources' changes to roles (hand-made inline policies and attachments removed). */
    readonly awsChanges: readonly AwsExclusiveChange[];
    /** The account's roles at the end of the run (the offline IAM model). */
    readonly iamRoles: readonly RoleDocuments[];
    /** Set when the program threw; its message. */
    readonly error?: string;
    /**
     * Whether the error is the program refusing the stack's config: a Pulumi RunError (which
     * keyless's KeylessConfigError is) or ResourceError, the errors Pulumi reports as the
     * program's own message without a stack trace. Any other error is the program failing.
     */
    readonly refused?: boolean;
}

interface MockMonitorLike {
    registerResource(request: RegisterRequest, callback: (error: unknown, response?: RegisterResponse) => void): void;
}
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getProvider(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getDependenciesList(): string[];
    getPropertydependenciesMap(): { forEach(callback: (value: { getUrnsList(): string[] }, key: string) => void): void };
}
interface RegisterResponse {
    getUrn(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/** Runs the program and returns what it registered, or the error it stopped with. */
export async function runOffline(options: OfflineRunOptions): Promise<OfflineRun> {
    const accountId = options.accountId ?? "123456789012";
    const region = options.config["aws:region"] ?? "us-east-1";
    const partition = region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
    const standIns = new Map<number, string>();
    const standInIds = new Map<string, number>();
    const standIn = (what: string): number => {
        let id = standInIds.get(what);
        if (id === undefined) {
            id = 900000001 + standInIds.size;
            standInIds.set(what, id);
            standIns.set(id, what);
        }
        return id;
    };

    const resources: RecordedResource[] = [];
    const invokes: RecordedInvoke[] = [];
    const assumptions: string[] = [];
    const iam = new IamAccountModel(options.aws?.roles);
    const awsChanges: AwsExclusiveChange[] = [];
    const aws = { partition, accountId, stack: options.stack, world: options.aws, apply: options.preview === false, changes: awsChanges };
    const mocks: pulumi.runtime.Mocks = {
        newResource(args) {
            // GitHub (or its provider) and IAM refuse what they would refuse at `pulumi up`.
            const refusal = githubRegistrationRefusal(args.type, args.inputs, options.github);
            if (refusal) throw refusal;
            const iamError = iamRefusal(iam, args.type, args.name, args.inputs, aws);
            if (iamError !== undefined) throw new Error(iamError);
            const state = { ...args.inputs, ...computedOutputs(args.type, args.name, args.inputs, { partition, accountId }) };
            return { id: String(state.id ?? `${args.name}-id`), state };
        },
        call(args) {
            let result: Record<string, unknown>;
            try {
                result =
                    options.answers?.(args.token, args.inputs) ??
                    answerGithubInvoke(args.token, args.inputs, options.github, standIn) ??
                    answerAws(args.token, args.inputs, { partition, accountId, world: options.aws, assumptions }) ??
                    answerInvoke(args.token, args.inputs, { partition, accountId, world: options.aws });
            } catch (thrown) {
                // As the engine reports a failed call; a plain Error would reach the program bare.
                if (thrown instanceof Error && "details" in thrown) throw thrown;
                throw engineInvokeError(args.token, thrown instanceof Error ? thrown : new Error(String(thrown)));
            }
            invokes.push({ token: args.token, args: args.inputs, result });
            return result;
        },
    };

    pulumi.runtime.setAllConfig({ ...options.config }, [...(options.secretKeys ?? [])]);
    await pulumi.runtime.setMocks(mocks, options.project, options.stack, options.preview ?? true);
    recordRegistrations(pulumi.runtime.getMonitor() as unknown as MockMonitorLike, resources);

    const warnings: string[] = [];
    const restoreConsole = captureRuntimeLog(warnings);
    const restoreStackTraces = cheapSdkStackTraces();
    const restorePromises = untrackedSdkPromises();
    // When the program throws, the SDK rejects some of its own promises with the same error and
    // nobody awaits them; that must not end the process before the error is reported.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    let outputs: Record<string, unknown> | undefined;
    let error: string | undefined;
    const savedEnv = Object.fromEntries(Object.keys(options.env ?? {}).map((name) => [name, process.env[name]]));
    Object.assign(process.env, options.env);
    let refused = false;
    try {
        const entry = require.resolve(path.resolve(options.programDir));
        outputs = (await pulumi.runtime.runInPulumiStack(async () => {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const program: unknown = require(entry);
            const exported = (program as { default?: unknown }).default ?? program;
            return typeof exported === "function" ? await (exported as () => unknown)() : exported;
        })) as Record<string, unknown> | undefined;
        await waitForRpcs();
    } catch (thrown) {
        error = thrown instanceof Error ? thrown.message : String(thrown);
        refused = pulumi.RunError.isInstance(thrown) || pulumi.ResourceError.isInstance(thrown);
        if (!refused && thrown instanceof Error && thrown.stack) error = thrown.stack;
    } finally {
        // Let rejections of this run surface before the handler goes.
        await new Promise((resolve) => setImmediate(resolve));
        process.off("unhandledRejection", onUnhandled);
        restoreConsole();
        for (const [name, value] of Object.entries(savedEnv)) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        restoreStackTraces();
        restorePromises();
    }
    const stray = unhandled.map((reason) => (reason instanceof Error ? reason.message : String(reason))).find((message) => message !== error);
    if (error === undefined && stray !== undefined) error = stray;
    return {
        account: { id: accountId, region, partition },
        resources,
        invokes,
        outputs,
        warnings,
        standIns,
        assumptions,
        awsChanges,
        iamRoles: iam.snapshot(),
        error,
        refused: error === undefined ? undefined : refused,
    };
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

/**
 * AWS's answer to registering an IAM role, managed or inline policy, or attachment: its error when IAM would
 * refuse it (components/realServices/iam.ts), wrapped as the provider wraps it.
 */
function iamRefusal(
    iam: IamAccountModel,
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    aws: { stack: string; world: AwsWorld | undefined; apply: boolean; changes: AwsExclusiveChange[] },
): string | undefined {
    const names = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
    switch (type) {
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            // One provider per URL and account; the one this stack created (tagged with it) is its own.
            const url = text(inputs.url) ?? "";
            const tags = (inputs.tags ?? {}) as Record<string, string>;
            const existing = aws.world?.oidcProviders?.find((provider) => provider.url === url);
            if (existing && existing.tags?.["keyless:stack"] !== tags["keyless:stack"]) {
                return `creating IAM OIDC Provider: ${oidcProviderExistsError(url)}`;
            }
            return undefined;
        }
        case "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive":
        case "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": {
            const role = text(inputs.roleName) ?? "";
            const inline = type === "aws:iam/rolePoliciesExclusive:RolePoliciesExclusive";
            const sync = inline ? iam.syncInlinePolicies(role, names(inputs.policyNames), aws.apply) : iam.syncAttachments(role, names(inputs.policyArns), aws.apply);
            if (typeof sync === "string") return `reading IAM Role (${role}) ${inline ? "inline policies" : "policy attachments"}: ${sync}`;
            if (sync.removed.length + sync.added.length > 0) aws.changes.push({ type, ...sync });
            return undefined;
        }
        case "aws:iam/role:Role": {
            const roleName = text(inputs.name) ?? name;
            const inline = Array.isArray(inputs.inlinePolicies) ? (inputs.inlinePolicies as Record<string, unknown>[]) : [];
            const documents: RoleDocuments = {
                roleName,
                path: text(inputs.path) ?? "/",
                trustPolicy: text(inputs.assumeRolePolicy) ?? "",
                description: text(inputs.description),
                inlinePolicies: Object.fromEntries(inline.map((policy) => [text(policy.name) ?? "", text(policy.policy) ?? ""])),
                managedPolicyArns: Array.isArray(inputs.managedPolicyArns) ? inputs.managedPolicyArns.map(String) : [],
                tags: typeof inputs.tags === "object" && inputs.tags !== null ? (inputs.tags as Record<string, string>) : {},
            };
            const error = iam.createRole(documents, "keyless:stack");
            return error && `creating IAM Role (${roleName}): ${error}`;
        }
        case "aws:iam/policy:Policy": {
            const error = managedPolicyError(text(inputs.policy) ?? "");
            return error && `creating IAM Policy (${text(inputs.name) ?? name}): ${error}`;
        }
        case "aws:iam/rolePolicy:RolePolicy": {
            const role = text(inputs.role) ?? "";
            const policyName = text(inputs.name) ?? name;
            const error = iam.putRolePolicy(role, policyName, text(inputs.policy) ?? "");
            return error && `putting IAM Role (${role}) Policy (${policyName}): ${error}`;
        }
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
            const role = text(inputs.role) ?? "";
            const policyArn = text(inputs.policyArn) ?? "";
            const error = iam.attachRolePolicy(role, policyArn);
            return error && `attaching IAM Policy (${policyArn}) to IAM Role (${role}): ${error}`;
        }
        default:
            return undefined;
    }
}

/** AWS data sources whose answer depends on what exists in the account; undefined for the others. */
function answerAws(
    token: string,
    args: Record<string, unknown>,
    context: { partition: string; accountId: string; world: AwsWorld | undefined; assumptions: string[] },
): Record<string, unknown> | undefined {
    if (token !== "aws:iam/getPolicy:getPolicy") return undefined;
    const arn = String(args.arn ?? "");
    const caller = `arn:${context.partition}:sts::${context.accountId}:assumed-role/offline/plan`;
    // Thrown as the provider raises them; the call wrapper reports them as the engine does.
    if (context.world?.unreadablePolicies?.includes(arn)) throw new Error(getPolicyAccessDeniedError(arn, caller));
    if (context.world?.policies === undefined) {
        const assumption = `the managed policy ${arn} is assumed to exist (an offline stand-in; \`pulumi up\` checks it against AWS)`;
        if (!context.assumptions.includes(assumption)) context.assumptions.push(assumption);
    } else if (!context.world.policies.includes(arn)) {
        throw new Error(getPolicyNotFoundError(arn));
    }
    const resource = arn.split(":policy")[1] ?? "/";
    const policyName = resource.slice(resource.lastIndexOf("/") + 1);
    return {
        arn,
        id: arn,
        name: policyName,
        path: resource.slice(0, resource.lastIndexOf("/") + 1) || "/",
        policyId: "ANPAOFFLINE",
        description: "",
        policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }),
        attachmentCount: 0,
        tags: {},
    };
}

function recordRegistrations(monitor: MockMonitorLike, resources: RecordedResource[]): void {
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
        register(request, (error, response) => {
            if (!error && response) {
                const properties = request.getObject()?.toJavaScript() ?? {};
                const propertyDependencies: Record<string, string[]> = {};
                request.getPropertydependenciesMap().forEach((value, key) => {
                    propertyDependencies[key] = value.getUrnsList();
                });
                // The four forms share every value they have in common: the run crosses the IPC
                // channel (structured clone keeps shared references) and stays in memory once,
                // not four times (a plan of 1000 entries went to 1.4 GB with four copies).
                const outputs = sharing(response.getObject()?.toJavaScript() ?? properties, properties);
                const inputs = withoutSecrets(properties) as Record<string, unknown>;
                resources.push({
                    urn: response.getUrn(),
                    type: request.getType(),
                    name: request.getName(),
                    custom: request.getCustom(),
                    parent: request.getParent() || undefined,
                    provider: request.getProvider() || undefined,
                    properties,
                    inputs,
                    outputs,
                    state: sharing(withoutSecrets(outputs) as Record<string, unknown>, inputs),
                    dependencies: request.getDependenciesList(),
                    propertyDependencies,
                });
            }
            callback(error, response);
        });
    };
}

/** A wire-form value with every secret replaced by its plain value; the value itself when it holds no secret. */
function withoutSecrets(value: unknown): unknown {
    if (typeof value !== "object" || value === null) return value;
    if (isSecret(value)) return withoutSecrets((value as { value: unknown }).value);
    if (Array.isArray(value)) {
        const items = value.map(withoutSecrets);
        return items.every((item, index) => item === value[index]) ? value : items;
    }
    const entries = Object.entries(value);
    const plain = entries.map(([key, item]) => [key, withoutSecrets(item)] as const);
    return plain.every(([, item], index) => item === entries[index][1]) ? value : Object.fromEntries(plain);
}

function sameValue(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** `record` with each top-level value equal to the one of `base` replaced by `base`'s (the same object, not a copy). */
function sharing(record: Record<string, unknown>, base: Record<string, unknown>): Record<string, unknown> {
    if (record === base) return record;
    for (const [key, value] of Object.entries(record)) {
        if (value !== base[key] && Object.hasOwn(base, key) && sameValue(value, base[key])) record[key] = base[key];
    }
    return record;
}

/** Outputs the real providers compute that policies and reports read (ARNs, IDs). */
function computedOutputs(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
    account: { partition: string; accountId: string },
): Record<string, unknown> {
    const prefix = `arn:${account.partition}:iam::${account.accountId}`;
    const resourceName = typeof inputs.name === "string" ? inputs.name : name;
    const iamPath = typeof inputs.path === "string" ? inputs.path : "/";
    switch (type) {
        case "aws:iam/role:Role":
            return { id: resourceName, name: resourceName, arn: `${prefix}:role${iamPath}${resourceName}`, uniqueId: `AROA${name.length}OFFLINE` };
        case "aws:iam/policy:Policy":
            return { id: `${prefix}:policy${iamPath}${resourceName}`, name: resourceName, arn: `${prefix}:policy${iamPath}${resourceName}` };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const arn = `${prefix}:oidc-provider/${String(inputs.url ?? "").replace(/^https:\/\//, "")}`;
            return { id: arn, arn };
        }
        case "aws:iam/user:User":
            return { id: resourceName, name: resourceName, arn: `${prefix}:user${iamPath}${resourceName}` };
        case "aws:iam/group:Group":
            return { id: resourceName, name: resourceName, arn: `${prefix}:group${iamPath}${resourceName}` };
        default:
            return {};
    }
}

/** Offline answers to data-source calls. */
function answerInvoke(
    token: string,
    args: Record<string, unknown>,
    context: { partition: string; accountId: string; world?: AwsWorld },
): Record<string, unknown> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: context.accountId,
                arn: `arn:${context.partition}:sts::${context.accountId}:assumed-role/offline/plan`,
                userId: "OFFLINE",
                id: context.accountId,
            };
        case "aws:index/getPartition:getPartition":
            return { partition: context.partition, dnsSuffix: "amazonaws.com", id: context.partition };
        case "aws:iam/getOpenIdConnectProvider:getOpenIdConnectProvider": {
            // By ARN or by URL (openid_connect_provider_data_source.go); the provider's ARN is
            // arn:<partition>:iam::<account>:oidc-provider/<url without https://>.
            const prefix = `arn:${context.partition}:iam::${context.accountId}:oidc-provider/`;
            const url = typeof args.url === "string" ? args.url : `https://${String(args.arn ?? "").split(":oidc-provider/")[1] ?? ""}`;
            const known = context.world?.oidcProviders;
            const found = known?.find((provider) => provider.url === url);
            if (typeof args.url === "string" ? found === undefined : known !== undefined && found === undefined) {
                throw new Error(typeof args.url === "string" ? oidcProviderNotFoundError(url) : `reading IAM OIDC Provider: couldn't find resource`);
            }
            return {
                arn: typeof args.arn === "string" ? args.arn : `${prefix}${url.replace(/^https:\/\//, "")}`,
                url,
                clientIdLists: [...(found?.clientIds ?? ["sts.amazonaws.com"])],
                thumbprintLists: [],
                tags: { ...(found?.tags ?? {}) },
            };
        }
        default:
            return args;
    }
}

async function waitForRpcs(): Promise<void> {
    // Internal to the SDK but exported: resolves once every registration has been answered.
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

function captureRuntimeLog(warnings: string[]): () => void {
    const original = console.warn;
    console.warn = (...args: unknown[]) => {
        const message = args.map(String).join(" ");
        const match = /^warning: (?:\[runtime\] )?([\s\S]*)$/.exec(message);
        if (match) warnings.push(match[1]);
        else original(...args);
    };
    return () => {
        console.warn = original;
    };
}

/**
 * The SDK wraps each of its promises (about 35 per resource) in `debuggablePromise`
 * (runtime/debuggable.js): two more promises, a captured stack trace and a context string, kept
 * so that a promise still pending when the process exits can be reported as a leak. Offline the
 * worker exits as soon as it has replied, so nobody reads those reports; for a plan of 1000
 * entries the wrapping was half the program's CPU time (21.7 s with it, 11.6 s without) and 300 MB of
 * its memory. The SDK calls it through its module's exports, so replacing the export reaches every
 * call; the promise is handed back as it is.
 */
function untrackedSdkPromises(): () => void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: <T>(promise: Promise<T>, context: unknown) => Promise<T> };
    const tracked = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (promise) => promise;
    return () => {
        debuggable.debuggablePromise = tracked;
    };
}

/**
 * The SDK formats a stack trace for every resource and every promise it makes (`new Error().stack`
 * in runtime/debuggable.js debuggablePromise, for promise-leak reports, and in Resource.callsites,
 * for the source positions only the engine reads). Through ts-node's source-map-support, which
 * maps every frame of every trace, that was most of a plan's time (CPU profile of 300 entries: 20
 * of 36 s). Offline nobody reads those traces: errors without a message (the SDK's) get no frames,
 * and every other error, the program's own included, keeps its mapped stack.
 */
function cheapSdkStackTraces(): () => void {
    const mapped = Error.prepareStackTrace;
    Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) =>
        error.message === "" && error.name === "Error"
            ? "Error"
            : mapped
              ? mapped(error, frames)
              : `${String(error)}${frames.map((frame) => `\n    at ${frame.toString()}`).join("")}`;
    return () => {
        Error.prepareStackTrace = mapped;
    };
}
