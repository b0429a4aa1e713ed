// The pack's policies, registered once each. Names are the contract in docs/CONTRACTS.md.

import { Policies, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { githubOidcTrustPinsRepository } from "./rules/githubOidcTrustPinsRepository";
import { githubTrustedEnvironmentProtected } from "./rules/githubTrustedEnvironmentProtected";
import { iamNoAdminAccess } from "./rules/iamNoAdminAccess";
import { iamNoPassroleOnAllRoles } from "./rules/iamNoPassroleOnAllRoles";
import { iamNoSelfEscalation } from "./rules/iamNoSelfEscalation";

type PackPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** An ordered list of policies that refuses duplicate names and the name "all", which the CLI reserves for the whole pack. */
export class PolicyRegistry {
    private readonly registered: PackPolicy[] = [];

    register(policy: PackPolicy): this {
        if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(policy.name)) {
            throw new Error(`policy name "${policy.name}" must be kebab-case`);
        }
        if (policy.name === "all") {
            throw new Error(`policy name "all" is reserved: it sets the enforcement level of the whole pack`);
        }
        if (this.registered.some((p) => p.name === policy.name)) {
            throw new Error(`policy "${policy.name}" is registered twice`);
        }
        this.registered.push(policy);
        return this;
    }

    policies(): Policies {
        return [...this.registered];
    }
}

export const policies: Policies = new PolicyRegistry()
    .register(githubOidcTrustPinsRepository)
    .register(iamNoPassroleOnAllRoles)
    .register(iamNoAdminAccess)
    .register(iamNoSelfEscalation)
    .register(githubTrustedEnvironmentProtected)
    .policies();
