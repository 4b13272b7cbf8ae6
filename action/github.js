// What the step tells the runner: workflow commands on stdout and outputs in the $GITHUB_OUTPUT file.
import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/** Workflow-command data escaping (the runner's own rules), so a message cannot end the command early. */
const escapeData = (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

/** Asks the runner to hide `secret` in every later log line. */
export function addMask(secret, out = process.stdout) {
  for (const line of secret.split(/\r?\n/)) if (line.trim() !== '') out.write(`::add-mask::${escapeData(line)}\n`);
}

export function error(message, out = process.stdout) {
  out.write(`::error title=take-a-number::${escapeData(message)}\n`);
}

export function notice(message, out = process.stdout) {
  out.write(`::notice title=take-a-number::${escapeData(message)}\n`);
}

/**
 * Appends outputs to the $GITHUB_OUTPUT file in its multi-line form (name<<delimiter, value, delimiter), with
 * a delimiter found in no value: a value can hold newlines and cannot forge another output.
 */
export function writeOutputs(outputs, env = process.env) {
  const file = env.GITHUB_OUTPUT;
  if (!file) throw new Error('GITHUB_OUTPUT is not set: run this as a step of a GitHub Actions job (elsewhere, use ci/take-a-number.sh)');
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    let delimiter;
    do delimiter = `ghadelimiter_${randomUUID()}`;
    while (value.includes(delimiter));
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  appendFileSync(file, text, 'utf8');
}
