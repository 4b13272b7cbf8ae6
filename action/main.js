#!/usr/bin/env node
// The action's entry point (action.yml runs it with node20): takes a number, writes the step's outputs.
import { addMask, error, notice, writeOutputs } from './github.js';
import { input, readInputs } from './inputs.js';
import { take } from './take.js';

/** Runs the step with `env` as its environment; resolves with the exit code. */
async function main(env = process.env, out = process.stdout) {
  // Masked before anything else is read or printed, so no later line can show it.
  const token = input('token', env);
  if (token !== '') addMask(token, out);
  try {
    const inputs = readInputs(env);
    if (!env.GITHUB_OUTPUT) throw new Error('GITHUB_OUTPUT is not set: run this as a step of a GitHub Actions job (elsewhere, use ci/take-a-number.sh)');
    const { outputs } = await take(inputs);
    writeOutputs(outputs, env);
    const what = inputs.mode === 'next' || inputs.mode === 'reserve' ? `from ${inputs.sequence}` : `reservation ${inputs.reservation}`;
    const verb = { next: 'took', reserve: 'reserved', confirm: 'confirmed', void: 'voided' }[inputs.mode];
    notice(`${verb} ${outputs.formatted}${outputs.last === undefined ? '' : ` … ${outputs.last}`} ${what}`, out);
    return 0;
  } catch (e) {
    error(e instanceof Error ? e.message : String(e), out);
    return 1;
  }
}

process.exitCode = await main();
