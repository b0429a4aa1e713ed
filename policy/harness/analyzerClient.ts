// Starts the policy pack exactly as the Pulumi CLI does and speaks the Analyzer gRPC protocol to it.
//
// The CLI's Node.js language host resolves `@pulumi/pulumi/cmd/run-policy-pack` with Node's resolution
// from the pack's folder, runs it with `node` in that folder with the arguments `<engine-address> .`, and
// reads the gRPC port from the pack's stdout. This harness does the same, then offers typed calls:
//
//     const pack = await AnalyzerClient.start({ packDir: "policy" });
//     await pack.configure(fs.readFileSync("policy/config/organization.json", "utf8"));
//     const { diagnostics } = await pack.analyze({ type: "aws:iam/role:Role", name: "deploy", properties: {...} });
//     await pack.close();
//
// Properties are given in Pulumi's wire form: plain JSON, with `secret(v)` and `UNKNOWN` for secrets and
// values unknown until `pulumi up`.

import * as grpc from "@grpc/grpc-js";
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { performance } from "perf_hooks";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import {
    EnforcementLevel,
    JsonSchema,
    PolicyConfigInfo,
    ResolvedPackConfig,
    resolvePackConfig,
} from "./packConfig";

export { PackConfigError, resolvePackConfig } from "./packConfig";
export type { EnforcementLevel, JsonSchema, ResolvedPackConfig, ResolvedPolicyConfig } from "./packConfig";

/** The wire sentinel for a string that is unknown until `pulumi up`. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** A secret value in wire form. */
export function secret<T>(value: T): { [SIGNATURE_KEY]: string; value: T } {
    return { [SIGNATURE_KEY]: SECRET_SIGNATURE, value };
}

/** Whether a wire-form value is a secret. */
export function isSecret(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIGNATURE_KEY] === SECRET_SIGNATURE;
}

/** A wire-form value with every secret replaced by its plain value, for reading. */
export function unwrapSecrets(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        if (isSecret(value)) return unwrapSecrets((value as { value: unknown }).value);
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
    }
    return value;
}

/** The folder of this pack: harness/ (sources) or bin/harness/ (compiled) both resolve to it. */
export const PACK_DIR = path.basename(path.dirname(__dirname)) === "bin" ? path.resolve(__dirname, "../..") : path.resolve(__dirname, "..");

export interface WireProvider {
    type: string;
    name: string;
    urn?: string;
    properties: Record<string, unknown>;
}

export interface WireResource {
    type: string;
    name: string;
    /** Defaults to `urn:pulumi:test::keyless::<type>::<name>`. */
    urn?: string;
    /** Inputs (analyze) or outputs (analyzeStack), in wire form. */
    properties: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    /** Property name to the URNs it depends on; analyzeStack resolves them to resources. */
    propertyDependencies?: Record<string, string[]>;
    provider?: WireProvider;
}

export type Severity = "unspecified" | "low" | "medium" | "high" | "critical";

export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    message: string;
    enforcementLevel: EnforcementLevel;
    urn: string;
    severity: Severity;
}

export interface AnalyzeResult {
    diagnostics: Diagnostic[];
    notApplicable: Array<{ policyName: string; reason: string }>;
}

export interface PolicyInfo extends PolicyConfigInfo {
    displayName: string;
    description: string;
    type: "resource" | "stack" | "unknown";
    severity: Severity;
}

export interface AnalyzerInfo {
    name: string;
    displayName: string;
    version: string;
    description: string;
    supportsConfig: boolean;
    policies: PolicyInfo[];
}

export interface StartOptions {
    /** The pack folder (with package.json and PulumiPolicy.yaml). Defaults to this pack. */
    packDir?: string;
    /** Force the loader in main.js to use the TypeScript sources or the compiled bin/. */
    load?: "source" | "compiled";
    /** Extra environment for the pack process. */
    env?: Record<string, string>;
    /** How long to wait for the port (default 60 s: a cold type-checked start can be slow on a busy machine). */
    startTimeoutMs?: number;
    /** Deadline of each RPC (default 60 s). */
    callTimeoutMs?: number;
    /** Aborting stops the pack process and rejects the start (the caller was interrupted). */
    signal?: AbortSignal;
}

const LEVEL_NAMES: Record<number, EnforcementLevel> = {
    [analyzerProto.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerProto.EnforcementLevel.DISABLED]: "disabled",
};
const LEVEL_VALUES: Record<EnforcementLevel, analyzerProto.EnforcementLevel> = {
    advisory: analyzerProto.EnforcementLevel.ADVISORY,
    mandatory: analyzerProto.EnforcementLevel.MANDATORY,
    remediate: analyzerProto.EnforcementLevel.REMEDIATE,
    disabled: analyzerProto.EnforcementLevel.DISABLED,
};
const SEVERITY_NAMES: Record<number, Severity> = {
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: "unspecified",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** Drops undefined values, which protobuf Structs cannot hold. */
function toStruct(value: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>);
}

function urnOf(resource: { type: string; name: string; urn?: string }): string {
    return resource.urn ?? `urn:pulumi:test::keyless::${resource.type}::${resource.name}`;
}

function providerMessage(provider: WireProvider): analyzerProto.AnalyzerProviderResource {
    return new analyzerProto.AnalyzerProviderResource()
        .setType(provider.type)
        .setName(provider.name)
        .setUrn(urnOf(provider))
        .setProperties(toStruct(provider.properties));
}

function optionsMessage(resource: WireResource): analyzerProto.AnalyzerResourceOptions {
    const options = new analyzerProto.AnalyzerResourceOptions();
    if (resource.parent !== undefined) {
        options.setParent(resource.parent);
    }
    return options;
}

function toResult(response: analyzerProto.AnalyzeResponse): AnalyzeResult {
    return {
        diagnostics: response.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: LEVEL_NAMES[d.getEnforcementlevel()],
            urn: d.getUrn(),
            severity: SEVERITY_NAMES[d.getSeverity()] ?? "unspecified",
        })),
        notApplicable: response.getNotApplicableList().map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

export class AnalyzerClient {
    private closed = false;

    private constructor(
        private readonly child: ChildProcess,
        private readonly rpc: analyzerRpc.AnalyzerClient,
        private readonly stderr: () => string,
        private readonly callTimeoutMs: number,
        /** Milliseconds from spawning the pack to reading its port: the CLI's cold start. */
        readonly startupMs: number,
        readonly port: number,
        readonly packDir: string,
    ) {}

    /** Starts the pack as the CLI does and connects to it. Rejects with the pack's stderr if it exits first. */
    static async start(options: StartOptions = {}): Promise<AnalyzerClient> {
        const packDir = path.resolve(options.packDir ?? PACK_DIR);
        const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
        const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
        if (options.load !== undefined) {
            env.KEYLESS_GUARDRAILS_LOAD = options.load;
        }
        const started = performance.now();
        // The engine address is only passed along, as the CLI does; the pack does not call back.
        const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], {
            cwd: packDir,
            env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr?.on("data", (chunk: Buffer) => {
            stderr = (stderr + chunk.toString()).slice(-20_000);
        });
        const port = await new Promise<number>((resolve, reject) => {
            let stdout = "";
            const timer = setTimeout(() => {
                child.kill("SIGKILL");
                reject(new Error(`the policy pack printed no port within ${options.startTimeoutMs ?? 60_000} ms; stderr:\n${stderr}`));
            }, options.startTimeoutMs ?? 60_000);
            const onAbort = (): void => {
                clearTimeout(timer);
                child.kill("SIGTERM");
                reject(new Error("the policy pack was stopped before it started (interrupted)"));
            };
            options.signal?.addEventListener("abort", onAbort, { once: true });
            if (options.signal?.aborted) onAbort();
            const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
                clearTimeout(timer);
                reject(new Error(`the policy pack exited (code ${code}, signal ${signal}) before printing its port; stderr:\n${stderr}`));
            };
            child.once("exit", onExit);
            child.once("error", (error) => {
                clearTimeout(timer);
                reject(error);
            });
            child.stdout?.on("data", (chunk: Buffer) => {
                stdout += chunk.toString();
                const line = stdout.split("\n").find((l) => /^\d+$/.test(l.trim()));
                if (line !== undefined) {
                    clearTimeout(timer);
                    options.signal?.removeEventListener("abort", onAbort);
                    child.off("exit", onExit);
                    resolve(Number(line.trim()));
                }
            });
        });
        const startupMs = performance.now() - started;
        const rpc = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": 400 * 1024 * 1024,
            "grpc.max_send_message_length": 400 * 1024 * 1024,
        });
        return new AnalyzerClient(child, rpc, () => stderr, options.callTimeoutMs ?? 60_000, startupMs, port, packDir);
    }

    private call<Req, Res>(
        method: (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown,
        request: Req,
    ): Promise<Res> {
        return new Promise((resolve, reject) => {
            method.call(this.rpc, request, new grpc.Metadata(), { deadline: Date.now() + this.callTimeoutMs }, (error, response) => {
                if (error !== null) {
                    reject(new Error(`${error.message}\npack stderr:\n${this.stderr()}`));
                } else {
                    resolve(response);
                }
            });
        });
    }

    /** The pack's name, version and policies (with their config schemas and default levels). */
    async getAnalyzerInfo(): Promise<AnalyzerInfo> {
        const info = await this.call(this.rpc.getAnalyzerInfo, new Empty());
        return {
            name: info.getName(),
            displayName: info.getDisplayname(),
            version: info.getVersion(),
            description: info.getDescription(),
            supportsConfig: info.getSupportsconfig(),
            policies: info.getPoliciesList().map((p) => {
                const schema = p.getConfigschema();
                return {
                    name: p.getName(),
                    displayName: p.getDisplayname(),
                    description: p.getDescription(),
                    enforcementLevel: LEVEL_NAMES[p.getEnforcementlevel()],
                    severity: SEVERITY_NAMES[p.getSeverity()] ?? "unspecified",
                    type:
                        p.getPolicyType() === analyzerProto.PolicyType.POLICY_TYPE_RESOURCE
                            ? "resource"
                            : p.getPolicyType() === analyzerProto.PolicyType.POLICY_TYPE_STACK
                              ? "stack"
                              : "unknown",
                    configSchema:
                        schema === undefined
                            ? undefined
                            : {
                                  properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, JsonSchema>,
                                  required: schema.getRequiredList(),
                              },
                };
            }),
        };
    }

    /**
     * Configures the pack from a `--policy-pack-config` file (its JSON text or parsed object), resolved
     * as the CLI resolves it. Returns the configuration sent. Throws PackConfigError on invalid files.
     */
    async configure(packConfig: string | Record<string, unknown> = {}): Promise<ResolvedPackConfig> {
        const info = await this.getAnalyzerInfo();
        const resolved = resolvePackConfig(info.policies, packConfig);
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        const map = request.getPolicyconfigMap();
        for (const [name, config] of Object.entries(resolved)) {
            map.set(
                name,
                new analyzerProto.PolicyConfig().setEnforcementlevel(LEVEL_VALUES[config.enforcementLevel]).setProperties(toStruct(config.properties)),
            );
        }
        await this.call(this.rpc.configure, request);
        return resolved;
    }

    /** Runs every resource policy on one resource, as the engine does for each resource it registers. */
    async analyze(resource: WireResource): Promise<AnalyzeResult> {
        const request = new analyzerProto.AnalyzeRequest()
            .setType(resource.type)
            .setName(resource.name)
            .setUrn(urnOf(resource))
            .setProperties(toStruct(resource.properties))
            .setOptions(optionsMessage(resource));
        if (resource.provider !== undefined) {
            request.setProvider(providerMessage(resource.provider));
        }
        return toResult(await this.call(this.rpc.analyze, request));
    }

    /** Runs every stack policy on the given resources, as the engine does at the end of a preview or update. */
    async analyzeStack(resources: readonly WireResource[]): Promise<AnalyzeResult> {
        const request = new analyzerProto.AnalyzeStackRequest();
        request.setResourcesList(
            resources.map((resource) => {
                const message = new analyzerProto.AnalyzerResource()
                    .setType(resource.type)
                    .setName(resource.name)
                    .setUrn(urnOf(resource))
                    .setProperties(toStruct(resource.properties))
                    .setOptions(optionsMessage(resource))
                    .setDependenciesList(resource.dependencies ?? []);
                if (resource.parent !== undefined) {
                    message.setParent(resource.parent);
                }
                if (resource.provider !== undefined) {
                    message.setProvider(providerMessage(resource.provider));
                }
                const dependencies = message.getPropertydependenciesMap();
                for (const [property, urns] of Object.entries(resource.propertyDependencies ?? {})) {
                    dependencies.set(property, new analyzerProto.AnalyzerPropertyDependencies().setUrnsList(urns));
                }
                return message;
            }),
        );
        return toResult(await this.call(this.rpc.analyzeStack, request));
    }

    /** Closes the connection and stops the pack process. */
    async close(): Promise<void> {
        if (this.closed) {
            return;
        }
        this.closed = true;
        this.rpc.close();
        if (this.child.exitCode !== null || this.child.signalCode !== null) {
            return;
        }
        await new Promise<void>((resolve) => {
            const force = setTimeout(() => this.child.kill("SIGKILL"), 5_000);
            this.child.once("exit", () => {
                clearTimeout(force);
                resolve();
            });
            this.child.kill("SIGTERM");
        });
    }
}
