// Every fast-check property in the suite runs with one fixed seed, so a run is repeatable and a
// failure is the code's, not the draw's. KEYLESS_FAST_CHECK_SEED=random draws a new seed (to look
// for new counterexamples), a number replays that seed. fast-check names the seed and the path of a
// failing case in its message ("{ seed: ..., path: ... }"); this file prints the seed of a random run.
// Loaded before the tests by .mocharc.json.
import fc from "fast-check";

const FIXED_SEED = 20261204;

export function fastCheckSeed(given: string | undefined): number {
    if (given === undefined || given === "") return FIXED_SEED;
    if (given === "random") return Math.floor(Math.random() * 0x7fffffff);
    if (!/^-?\d+$/.test(given)) throw new Error(`KEYLESS_FAST_CHECK_SEED must be "random" or an integer seed, not ${JSON.stringify(given)}`);
    return Number(given);
}

const seed = fastCheckSeed(process.env.KEYLESS_FAST_CHECK_SEED);
if (process.env.KEYLESS_FAST_CHECK_SEED === "random") process.stderr.write(`fast-check: seed ${seed} (replay with KEYLESS_FAST_CHECK_SEED=${seed})\n`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
