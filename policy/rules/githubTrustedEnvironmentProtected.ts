import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import {
    DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS,
    ENVIRONMENT_PROTECTION_POLICY,
    ENVIRONMENTS_REQUIRING_REVIEWERS,
    environmentRequiresReviewers,
} from "../analysis/environments";
import { parseGithubSubject } from "../analysis/githubSubject";
import { analyzeTrustPolicy } from "../analysis/trust";
import { readStringList, stringListSetting } from "../wiring/config";
import { Evaluation, evaluate, read } from "../wiring/evaluation";
import { TRUST_POLICY_TYPES, trustPolicySite, TYPES } from "../wiring/resourceTypes";

const NAME = ENVIRONMENT_PROTECTION_POLICY;
const WILDCARD = /[*?]/;

/** One GitHub environment a role trusts by exact subject. */
interface TrustedEnvironment {
    role: PolicyResource;
    location: string;
    subject: string;
    owner: string;
    repository: string;
    environment: string;
}

/** A value of the stack that may not be known until `pulumi up`. */
type Fact<T> = { known: true; value: T } | { known: false };

/** What the stack declares about one github.RepositoryEnvironment. */
interface ManagedEnvironment {
    resource: PolicyResource;
    /** From the resource's provider; undefined when not available (then only names are matched). */
    owner: string | undefined;
    repository: Fact<string | undefined>;
    environment: Fact<string | undefined>;
    hasReviewers: Fact<boolean>;
    adminBypassOff: Fact<boolean>;
    hasBranchPolicy: Fact<boolean>;
}

/** Exact environment subjects each role's GitHub trusts decide on; wildcard environments are reported here. */
function trustedEnvironments(evaluation: Evaluation, roles: readonly PolicyResource[]): TrustedEnvironment[] {
    const trusted = new Map<string, TrustedEnvironment>();
    for (const role of roles) {
        const site = trustPolicySite(role.type, role.props);
        if (site === undefined) {
            continue;
        }
        // Trust policies that cannot be read fail closed in github-oidc-trust-pins-repository; unknowns wait here.
        if (!site.value.ok) {
            evaluation.waitForUnknowns(role.name, [{ path: site.path, cause: site.value.error }]);
            continue;
        }
        const analysis = analyzeTrustPolicy(site.value.value);
        evaluation.waitForUnknowns(`${role.name} ${site.path}`, analysis.unresolved);
        for (const trust of analysis.trusts) {
            for (const condition of trust.subjectConditions) {
                for (const subject of condition.values) {
                    const parsed = parseGithubSubject(subject);
                    if (!parsed.ok || parsed.subject.context.kind !== "environment") {
                        continue;
                    }
                    const { owner, repository } = parsed.subject;
                    const environment = parsed.subject.context.environment;
                    if (condition.operator.wildcards && WILDCARD.test(`${owner}/${repository}`)) {
                        continue; // not one repository: github-oidc-trust-pins-repository reports it
                    }
                    if (condition.operator.wildcards && WILDCARD.test(environment)) {
                        evaluation.violation(
                            `role "${role.name}" trusts ${JSON.stringify(subject)} (${trust.location}): every environment of ` +
                                `${owner}/${repository} whose name fits the pattern. GitHub creates a missing environment, unprotected, ` +
                                `the first time a workflow names it, so no managed environment can protect this trust. Trust exact ` +
                                `environments, e.g. "repo:${owner}/${repository}:environment:production", and manage each one in this stack.`,
                            role.urn,
                        );
                        continue;
                    }
                    const key = [role.urn, owner, repository, environment].join("\u0000").toLowerCase();
                    if (!trusted.has(key)) {
                        trusted.set(key, { role, location: trust.location, subject, owner, repository, environment });
                    }
                }
            }
        }
    }
    return [...trusted.values()];
}

function readManagedEnvironment(evaluation: Evaluation, resource: PolicyResource): ManagedEnvironment {
    const fact = <T>(property: string, interpret: (value: unknown) => T): Fact<T> => {
        const reading = read(() => resource.props[property] as unknown);
        if (!reading.ok) {
            evaluation.unreadable(`github environment "${resource.name}" ${property}`, reading.error, "it cannot be judged (fail closed)", resource.urn);
            return { known: false };
        }
        return { known: true, value: interpret(reading.value) };
    };
    const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
    const nonEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length > 0;
    let owner: string | undefined;
    if (resource.provider !== undefined) {
        const providerProps = resource.provider.props;
        // An unknown provider owner only widens the match to repository and environment names.
        const ownerRead = read(() => text(providerProps.owner) ?? text(providerProps.organization));
        owner = ownerRead.ok ? ownerRead.value : undefined;
    }
    let repository = fact("repository", text);
    if (repository.known && repository.value?.includes("/")) {
        const [repositoryOwner, name] = repository.value.split("/", 2);
        owner = owner ?? repositoryOwner;
        repository = { known: true, value: name };
    }
    return {
        resource,
        owner,
        repository,
        environment: fact("environment", text),
        hasReviewers: fact(
            "reviewers",
            (reviewers) =>
                Array.isArray(reviewers) &&
                reviewers.some(
                    (r: unknown) =>
                        typeof r === "object" &&
                        r !== null &&
                        (nonEmptyList((r as Record<string, unknown>).teams) || nonEmptyList((r as Record<string, unknown>).users)),
                ),
        ),
        // The GitHub provider defaults canAdminsBypass to true when it is unset.
        adminBypassOff: fact("canAdminsBypass", (bypass) => bypass === false),
        hasBranchPolicy: fact("deploymentBranchPolicy", (policy) => {
            const branchPolicy = typeof policy === "object" && policy !== null ? (policy as Record<string, unknown>) : {};
            return branchPolicy.protectedBranches === true || branchPolicy.customBranchPolicies === true;
        }),
    };
}

/** Does the managed environment name the trusted one? "unknown" until its names are known. */
function names(managed: ManagedEnvironment, trust: TrustedEnvironment): boolean | "unknown" {
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    if (managed.owner !== undefined && !same(managed.owner, trust.owner)) {
        return false;
    }
    if (!managed.repository.known || !managed.environment.known) {
        return "unknown";
    }
    const { value: repository } = managed.repository;
    const { value: environment } = managed.environment;
    return repository !== undefined && environment !== undefined && same(repository, trust.repository) && same(environment, trust.environment);
}

/** What a managed environment lacks; "unknown" when that is not known until `pulumi up`. */
function missingProtections(managed: ManagedEnvironment, reviewersRequired: boolean): string[] | "unknown" {
    const checks: Array<[Fact<boolean>, string]> = [
        [managed.adminBypassOff, "canAdminsBypass: false (the provider defaults it to true when unset)"],
        [managed.hasBranchPolicy, "a deploymentBranchPolicy (protectedBranches or customBranchPolicies)"],
    ];
    if (reviewersRequired) {
        checks.unshift([managed.hasReviewers, "required reviewers (at least one team or user ID)"]);
    }
    const missing: string[] = [];
    for (const [state, what] of checks) {
        if (!state.known) {
            return "unknown";
        }
        if (!state.value) {
            missing.push(what);
        }
    }
    return missing;
}

function judge(evaluation: Evaluation, trust: TrustedEnvironment, managed: readonly ManagedEnvironment[], patterns: readonly string[]): void {
    const reviewersRequired = environmentRequiresReviewers(patterns, trust.environment);
    const matches = managed.map((m) => ({ managed: m, named: names(m, trust) }));
    const verdicts = matches
        .filter((m) => m.named === true)
        .map((m) => ({ managed: m.managed, missing: missingProtections(m.managed, reviewersRequired) }));
    if (verdicts.some((v) => v.missing !== "unknown" && v.missing.length === 0)) {
        return;
    }
    if (matches.some((m) => m.named === "unknown") || verdicts.some((v) => v.missing === "unknown")) {
        return; // decided at `pulumi up`, when the unknown values are known
    }
    const prefix = `role "${trust.role.name}" trusts ${JSON.stringify(trust.subject)} (${trust.location})`;
    const where = `GitHub environment "${trust.environment}" of ${trust.owner}/${trust.repository}`;
    const incomplete = verdicts[0];
    if (incomplete === undefined) {
        evaluation.violation(
            `${prefix}, but this stack does not manage ${where}. GitHub creates it, unprotected, the first time any workflow ` +
                `names it, so any branch could mint this role's credentials. Add a github.RepositoryEnvironment for it with ` +
                `${reviewersRequired ? "required reviewers, " : ""}canAdminsBypass: false and a deploymentBranchPolicy.`,
            trust.role.urn,
        );
        return;
    }
    const missing = incomplete.missing === "unknown" ? [] : incomplete.missing;
    evaluation.violation(
        `${prefix}, but ${where} (resource "${incomplete.managed.resource.name}") lacks ${missing.join(", ")}.`,
        trust.role.urn,
    );
}

export const githubTrustedEnvironmentProtected: StackValidationPolicy = {
    name: NAME,
    description:
        "Every GitHub environment a role trusts (sub repo:OWNER/REPO:environment:ENV) must be managed in the same " +
        "stack as a github.RepositoryEnvironment with required reviewers, canAdminsBypass false and a deployment " +
        "branch policy. GitHub creates a missing environment, unprotected, the first time any workflow names it, so " +
        "an unmanaged environment lets any branch mint the role's credentials.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: {
        properties: {
            [ENVIRONMENTS_REQUIRING_REVIEWERS]: stringListSetting(
                "Environment names or * globs (case-insensitive) whose trusted environments need required reviewers.",
                DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS,
            ),
        },
    },
    validateStack: (args, reportViolation) => {
        evaluate(reportViolation, (evaluation) => {
            const patterns = readStringList(args.getConfig(), ENVIRONMENTS_REQUIRING_REVIEWERS, DEFAULT_ENVIRONMENTS_REQUIRING_REVIEWERS);
            const roles = args.resources.filter((r) => TRUST_POLICY_TYPES.has(r.type));
            const trusted = trustedEnvironments(evaluation, roles);
            if (trusted.length === 0) {
                return;
            }
            const managed = args.resources
                .filter((r) => r.type === TYPES.githubEnvironment)
                .map((r) => readManagedEnvironment(evaluation, r));
            for (const trust of trusted) {
                judge(evaluation, trust, managed, patterns);
            }
        });
    },
};
