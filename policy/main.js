"use strict";
// The pack's entry point (package.json "main"). Loads the compiled pack from bin/ when it is at least as
// new as every TypeScript source, which starts about twice as fast, and the sources otherwise (the Pulumi
// CLI's run-policy-pack has already registered ts-node). KEYLESS_GUARDRAILS_LOAD=source|compiled forces
// one or the other (the bench uses it).
const fs = require("fs");
const path = require("path");

const compiled = path.join(__dirname, "bin", "index.js");

function newestSourceMtime(dir) {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        if (entry.name === "node_modules" || entry.name === "bin" || entry.name.startsWith(".")) {
            continue;
        }
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            newest = Math.max(newest, newestSourceMtime(full));
        } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
            newest = Math.max(newest, fs.statSync(full).mtimeMs);
        }
    }
    return newest;
}

function compiledIsCurrent() {
    try {
        return fs.statSync(compiled).mtimeMs >= newestSourceMtime(__dirname);
    } catch {
        return false;
    }
}

const mode = process.env.KEYLESS_GUARDRAILS_LOAD;
if (mode === "compiled" || (mode !== "source" && compiledIsCurrent())) {
    require(compiled);
} else if (fs.existsSync(path.join(__dirname, "index.ts"))) {
    require("./index.ts");
} else {
    // A published tarball carries only bin/: it was packed without `npm run build`.
    throw new Error(`keyless-guardrails: ${compiled} is missing; run \`npm run build\` in policy/ before \`pulumi policy publish\`.`);
}
