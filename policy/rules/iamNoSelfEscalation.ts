import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN_SENTINELS } from "../analysis/document";
import { analyzeSelfEscalation, InlinePolicyInput, ManagedPolicyInput, SelfEscalation, SelfEscalationInput } from "../analysis/selfEscalation";
import { Unresolved } from "../analysis/types";
import { Evaluation, evaluate, read } from "../wiring/evaluation";
import {
    MANAGED_POLICY_RESOURCES,
    ROLE_ATTACHMENT_RESOURCES,
    ROLE_INLINE_POLICY_RESOURCES,
    ROLE_SHAPES,
    TYPES,
} from "../wiring/resourceTypes";

const NAME = "iam-no-self-escalation";
const FAIL_CLOSED = "a role keyless cannot read is treated as able to rewrite itself (fail closed)";
/** Pulumi's unknown-string sentinel, standing for a document not known until `pulumi up`. */
const UNKNOWN_DOCUMENT = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

type Props = Record<string, unknown>;

/** A property read: its value, or `undefined` after recording why it could not be read. */
type Note = (part: Unresolved) => void;

function readProperty(props: Props, property: string, path: string, note: Note): unknown {
    const reading = read(() => props[property]);
    if (!reading.ok) {
        note({ path, cause: reading.error });
        return undefined;
    }
    if (typeof reading.value === "string" && UNKNOWN_SENTINELS.has(reading.value)) {
        note({ path });
        return undefined;
    }
    return reading.value;
}

function readText(props: Props, property: string, path: string, note: Note): string | undefined {
    const value = readProperty(props, property, path, note);
    return typeof value === "string" && value !== "" ? value : undefined;
}

function readList(props: Props, property: string, note: Note): Array<{ path: string; value: unknown }> {
    const list = readProperty(props, property, property, note);
    if (!Array.isArray(list)) {
        return [];
    }
    const entries: Array<{ path: string; value: unknown }> = [];
    for (let i = 0; i < list.length; i++) {
        const path = `${property}[${i}]`;
        const value = readProperty(list as unknown as Props, String(i), path, note);
        if (value !== undefined) {
            entries.push({ path, value });
        }
    }
    return entries;
}

/** What one role resource shows by itself: its name, path, ARN, inline policies, managed policy ARNs and boundary ARN. */
export function roleOwnInput(type: string, props: Props, note: Note): SelfEscalationInput | undefined {
    const shape = ROLE_SHAPES[type];
    if (shape === undefined) {
        return undefined;
    }
    const inlinePolicies: InlinePolicyInput[] = [];
    for (const entry of readList(props, shape.inline.list, note)) {
        if (typeof entry.value !== "object" || entry.value === null) {
            inlinePolicies.push({ name: entry.path, document: entry.value });
            continue;
        }
        const holder = entry.value as Props;
        let unknown = false;
        const document = readProperty(holder, shape.inline.document, `${entry.path}.${shape.inline.document}`, (part) => {
            unknown = true;
            note(part);
        });
        const name = readText(holder, shape.inline.name, `${entry.path}.${shape.inline.name}`, () => undefined) ?? entry.path;
        if (unknown) {
            // Not known until `pulumi up`: it may hold a Deny that closes a path, so the analysis waits too.
            inlinePolicies.push({ name, document: UNKNOWN_DOCUMENT });
        } else if (document !== undefined && document !== "") {
            inlinePolicies.push({ name, document }); // "" is aws.iam.Role's entry that removes inline policies
        }
    }
    const managedPolicies: ManagedPolicyInput[] = readList(props, "managedPolicyArns", note)
        .filter((entry) => typeof entry.value === "string")
        .map((entry) => ({ arn: entry.value as string }));
    let boundaryUnknown = false;
    const boundaryRead = readProperty(props, "permissionsBoundary", "permissionsBoundary", (part) => {
        boundaryUnknown = true;
        note(part);
    });
    const boundaryArn = typeof boundaryRead === "string" && boundaryRead !== "" ? boundaryRead : undefined;
    return {
        role: {
            arn: readText(props, "arn", "arn", () => undefined),
            name: readText(props, shape.name, shape.name, note),
            path: readText(props, "path", "path", note),
        },
        inlinePolicies,
        managedPolicies,
        permissionsBoundary: boundaryArn !== undefined ? { arn: boundaryArn } : boundaryUnknown ? {} : undefined,
    };
}

function keyOf(escalation: SelfEscalation): string {
    return [escalation.path, escalation.action, escalation.resource, escalation.document, escalation.statement].join("\u0000");
}

function describe(escalation: SelfEscalation, unjudgedBoundary: string | undefined): string {
    const where = escalation.statement === "document" ? escalation.document : `${escalation.document} ${escalation.statement}`;
    const note =
        unjudgedBoundary !== undefined && !escalation.failClosed
            ? ` (The ${unjudgedBoundary} is not known to this check, so it is not counted: a role's own policies must not grant this.)`
            : "";
    return `${where}: ${escalation.message}${note}`;
}

function report(evaluation: Evaluation, input: SelfEscalationInput, skip: ReadonlySet<string>, urn?: string): void {
    const analysis = analyzeSelfEscalation(input);
    const unjudgedBoundary = analysis.unjudged.find((label) => label.startsWith("permissions boundary"));
    for (const escalation of analysis.escalations) {
        if (!skip.has(keyOf(escalation))) {
            evaluation.violation(describe(escalation, unjudgedBoundary), urn);
        }
    }
    evaluation.unresolved("role", analysis.unresolved, FAIL_CLOSED, urn);
}

function managedPolicyOf(policy: PolicyResource): ManagedPolicyInput {
    const spec = MANAGED_POLICY_RESOURCES[policy.type];
    const ignore = (): void => undefined;
    const nameProperty = policy.type === TYPES.awsPolicy ? "name" : "managedPolicyName";
    return {
        arn: readText(policy.props, spec.arn, spec.arn, ignore),
        name: readText(policy.props, nameProperty, nameProperty, ignore),
        path: readText(policy.props, "path", "path", ignore),
        document: readProperty(policy.props, spec.document, spec.document, ignore),
    };
}

/**
 * Each role of the stack with what other resources of the stack add to it: inline policies
 * (RolePolicy), attachments (RolePolicyAttachment, PolicyAttachment, RolePolicyAttachmentsExclusive),
 * and the documents of the stack's managed policies it is attached to or bounded by. Reports only
 * what the role's own resource check cannot see, so nothing is reported twice.
 */
function judgeStack(evaluation: Evaluation, resources: readonly PolicyResource[]): void {
    const roles = resources.filter((r) => ROLE_SHAPES[r.type] !== undefined);
    if (roles.length === 0) {
        return;
    }
    const ignore = (): void => undefined;
    const policiesByArn = new Map<string, PolicyResource>();
    for (const policy of resources.filter((r) => MANAGED_POLICY_RESOURCES[r.type] !== undefined)) {
        const arn = readText(policy.props, MANAGED_POLICY_RESOURCES[policy.type].arn, "arn", ignore);
        if (arn !== undefined) policiesByArn.set(arn, policy);
    }
    const rolesNamed = (resource: PolicyResource, property: string, list: boolean): PolicyResource[] => {
        const named = new Set<PolicyResource>((resource.propertyDependencies[property] ?? []).filter((d) => ROLE_SHAPES[d.type] !== undefined));
        const value = readProperty(resource.props, property, property, ignore);
        const names = (list && Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
        for (const role of roles) {
            const roleName = readText(role.props, ROLE_SHAPES[role.type].name, "name", ignore);
            if (roleName !== undefined && names.includes(roleName)) named.add(role);
        }
        return [...named];
    };
    const policiesReferenced = (resource: PolicyResource, property: string): ManagedPolicyInput[] => {
        const found = new Map<string, ManagedPolicyInput>();
        for (const dependency of resource.propertyDependencies[property] ?? []) {
            if (MANAGED_POLICY_RESOURCES[dependency.type] !== undefined) found.set(dependency.urn, managedPolicyOf(dependency));
        }
        const value = readProperty(resource.props, property, property, ignore);
        for (const arn of (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string")) {
            const policy = policiesByArn.get(arn);
            if (policy !== undefined) found.set(policy.urn, managedPolicyOf(policy));
            else if (![...found.values()].some((p) => p.arn === arn)) found.set(arn, { arn });
        }
        return [...found.values()];
    };
    const extraInline = new Map<PolicyResource, InlinePolicyInput[]>();
    const extraManaged = new Map<PolicyResource, ManagedPolicyInput[]>();
    for (const resource of resources) {
        const inline = ROLE_INLINE_POLICY_RESOURCES[resource.type];
        if (inline !== undefined) {
            let unknown = false;
            const value = readProperty(resource.props, inline.document, inline.document, () => (unknown = true));
            // Unknown until `pulumi up` (or unreadable, which its own checks fail closed on): it may hold a Deny.
            const document = unknown ? UNKNOWN_DOCUMENT : value;
            if (document === undefined) continue;
            for (const role of rolesNamed(resource, inline.role, false)) {
                const list = extraInline.get(role) ?? [];
                list.push({ name: `${resource.type.split(":").pop() ?? "RolePolicy"} ${resource.name}`, document });
                extraInline.set(role, list);
            }
        }
        const attachment = ROLE_ATTACHMENT_RESOURCES[resource.type];
        if (attachment !== undefined) {
            const arnProperty = resource.type === TYPES.awsRolePolicyAttachmentsExclusive ? "policyArns" : "policyArn";
            for (const role of rolesNamed(resource, attachment.roles, attachment.rolesIsList)) {
                extraManaged.set(role, [...(extraManaged.get(role) ?? []), ...policiesReferenced(resource, arnProperty)]);
            }
        }
    }
    for (const role of roles) {
        const own = roleOwnInput(role.type, role.props, ignore);
        if (own === undefined) continue;
        const managed = new Map<string, ManagedPolicyInput>();
        for (const policy of [...policiesReferenced(role, "managedPolicyArns"), ...(extraManaged.get(role) ?? [])]) {
            managed.set(policy.arn ?? `${policy.path ?? "/"}${policy.name ?? ""}`, policy);
        }
        const boundaries = own.permissionsBoundary === undefined ? [] : policiesReferenced(role, "permissionsBoundary");
        const full: SelfEscalationInput = {
            ...own,
            inlinePolicies: [...(own.inlinePolicies ?? []), ...(extraInline.get(role) ?? [])],
            managedPolicies: [...managed.values()],
            permissionsBoundary: boundaries.find((b) => b.document !== undefined) ?? own.permissionsBoundary,
        };
        const seen = new Set(analyzeSelfEscalation(own).escalations.map(keyOf));
        const stackEvaluation = new Evaluation((message, urn) => evaluation.violation(`role "${role.name}" ${message}`, urn));
        report(stackEvaluation, full, seen, role.urn);
        try {
            stackEvaluation.finish();
        } catch (unknown) {
            evaluation.deferUnknown(unknown);
        }
    }
}

export const iamNoSelfEscalation: ResourceValidationPolicy & Pick<StackValidationPolicy, "validateStack"> = {
    name: NAME,
    description:
        "No role may widen itself: its own policies (inline, attached customer-managed of the same stack, aws-native), " +
        "judged with its permissions boundary, must not allow it to rewrite its own trust or permissions " +
        "(iam:UpdateAssumeRolePolicy, PutRolePolicy, AttachRolePolicy on its own ARN, wildcards and NotAction included), " +
        "lift or replace its boundary (DeleteRolePermissionsBoundary; PutRolePermissionsBoundary not pinned by " +
        "iam:PermissionsBoundary), rewrite a managed policy it is attached to or bounded by (CreatePolicyVersion, " +
        "SetDefaultPolicyVersion), or create roles without a boundary (CreateRole not pinned by iam:PermissionsBoundary). " +
        "An unconditional Deny closes a path unless it sits in a policy the role can remove. A compromised job holding such " +
        "a role keeps access after the job ends.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: (args, reportViolation) => {
        if (ROLE_SHAPES[args.type] === undefined) {
            args.notApplicable("only IAM roles can escalate themselves by their own policies");
        }
        evaluate(reportViolation, (evaluation) => {
            const unresolved: Unresolved[] = [];
            const input = roleOwnInput(args.type, args.props, (part) => unresolved.push(part));
            evaluation.unresolved("role", unresolved, FAIL_CLOSED);
            if (input !== undefined) {
                report(evaluation, input, new Set());
            }
        });
    },
    validateStack: (args, reportViolation) => {
        // The stack part only joins other resources of a stack to its roles; a role alone (as audit
        // policy groups see one in a cloud account) is decided by validateResource.
        const joins = args.resources.some(
            (r) => ROLE_INLINE_POLICY_RESOURCES[r.type] !== undefined || ROLE_ATTACHMENT_RESOURCES[r.type] !== undefined || MANAGED_POLICY_RESOURCES[r.type] !== undefined,
        );
        if (!joins || !args.resources.some((r) => ROLE_SHAPES[r.type] !== undefined)) {
            args.notApplicable("no role of this stack has inline policies, attachments or managed policies declared as separate resources");
        }
        evaluate(reportViolation, (evaluation) => judgeStack(evaluation, args.resources));
    },
};
