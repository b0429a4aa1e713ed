// Builds the arguments @pulumi/policy 1.21 passes to policies, the way its server.js does for a gRPC
// request: properties go through a protobuf Struct, the SDK's own deserializeProperties and its
// unknownCheckingProxy; args carry type, props, urn, name, opts, stackTags, isType/asType, getConfig
// and notApplicable (and provider); stack resources get parent, dependencies and propertyDependencies
// resolved to resource objects. The runners then treat outcomes as the server does: violations are
// collected, an UnknownValueError becomes the preview advisory, notApplicable is recorded, and any
// other exception propagates (which would fail the user's preview, so tests must never see one).

import * as policySdk from "@pulumi/policy";
import {
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import * as deserializeModule from "@pulumi/policy/deserialize";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";

type Props = Record<string, unknown>;

const { deserializeProperties } = deserializeModule as unknown as {
    deserializeProperties: (struct: Struct, proxySecrets: boolean) => Props;
};
const { unknownCheckingProxy, UnknownValueError } = policySdk as unknown as {
    unknownCheckingProxy: (props: Props) => Props;
    UnknownValueError: new (...args: never[]) => Error;
};

export interface ProviderInput {
    type: string;
    name: string;
    urn?: string;
    props: Props;
}

export interface ResourceInput {
    type: string;
    name?: string;
    urn?: string;
    /** Properties in Pulumi's wire form (secrets and unknown sentinels allowed). */
    props: Props;
    provider?: ProviderInput;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
}

export interface Outcome {
    violations: Array<{ message: string; urn?: string }>;
    /** The preview advisory the SDK reports when a policy reads an unknown value. */
    advisory?: string;
    notApplicable?: string;
}

class NotApplicableError extends Error {}

function urnOf(input: { type: string; name?: string; urn?: string }): string {
    return input.urn ?? `urn:pulumi:test::keyless::${input.type}::${input.name ?? "resource"}`;
}

/** Wire form → what a policy sees, exactly as server.js does it. */
function deserialize(props: Props): Props {
    const struct = Struct.fromJavaScript(JSON.parse(JSON.stringify(props)) as Record<string, JavaScriptValue>);
    return unknownCheckingProxy(deserializeProperties(struct, false));
}

function options(input: ResourceInput): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(input.parent !== undefined ? { parent: input.parent } : {}),
    };
}

function provider(input: ResourceInput): ResourceValidationArgs["provider"] {
    if (input.provider === undefined) {
        return undefined;
    }
    return { type: input.provider.type, name: input.provider.name, urn: urnOf(input.provider), props: deserialize(input.provider.props) };
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicableError(reason ?? "Policy does not apply");
};

const isTypeOf = (type: string, resourceClass: unknown): boolean =>
    (resourceClass as { __pulumiType?: string } | undefined)?.__pulumiType === type;

export function resourceArgs(input: ResourceInput, config: Props = {}): ResourceValidationArgs {
    const props = deserialize(input.props);
    const args: ResourceValidationArgs = {
        type: input.type,
        props,
        urn: urnOf(input),
        name: input.name ?? "resource",
        opts: options(input),
        stackTags: new Map<string, string>(),
        isType: (resourceClass) => isTypeOf(input.type, resourceClass),
        asType: ((resourceClass: unknown) => (isTypeOf(input.type, resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => config as T,
        notApplicable,
    };
    const resourceProvider = provider(input);
    if (resourceProvider !== undefined) {
        args.provider = resourceProvider;
    }
    return args;
}

export function stackArgs(inputs: readonly ResourceInput[], config: Props = {}): StackValidationArgs {
    const resources: PolicyResource[] = inputs.map((input) => {
        const props = deserialize(input.props);
        const resource: PolicyResource = {
            type: input.type,
            props,
            urn: urnOf(input),
            name: input.name ?? "resource",
            opts: options(input),
            dependencies: [],
            propertyDependencies: {},
            isType: (resourceClass) => isTypeOf(input.type, resourceClass),
            asType: ((resourceClass: unknown) => (isTypeOf(input.type, resourceClass) ? props : undefined)) as PolicyResource["asType"],
        };
        const resourceProvider = provider(input);
        if (resourceProvider !== undefined) {
            resource.provider = resourceProvider;
        }
        return resource;
    });
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    inputs.forEach((input, index) => {
        const resource = resources[index];
        if (input.parent !== undefined && byUrn.has(input.parent)) {
            resource.parent = byUrn.get(input.parent);
        }
        resource.dependencies = (input.dependencies ?? []).map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
        for (const [property, urns] of Object.entries(input.propertyDependencies ?? {})) {
            resource.propertyDependencies[property] = urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
        }
    });
    return { resources, stackTags: new Map<string, string>(), getConfig: <T extends object>() => config as T, notApplicable };
}

function collect(run: (report: ReportViolation) => void): Outcome {
    const outcome: Outcome = { violations: [] };
    const report: ReportViolation = (message, urn) => {
        outcome.violations.push({ message: typeof message === "string" ? message : JSON.stringify(message), urn });
    };
    try {
        run(report);
    } catch (error) {
        if (error instanceof UnknownValueError) {
            outcome.advisory = error.message;
        } else if (error instanceof NotApplicableError) {
            outcome.notApplicable = error.message;
        } else {
            throw error;
        }
    }
    return outcome;
}

export function runResourcePolicy(policy: ResourceValidationPolicy, input: ResourceInput, config: Props = {}): Outcome {
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    return collect((report) => {
        for (const validate of validations) {
            void validate(resourceArgs(input, config), report);
        }
    });
}

export function runStackPolicy(policy: Pick<StackValidationPolicy, "validateStack">, inputs: readonly ResourceInput[], config: Props = {}): Outcome {
    return collect((report) => void policy.validateStack(stackArgs(inputs, config), report));
}

export { secret, UNKNOWN } from "../../../policy/harness/analyzerClient";
