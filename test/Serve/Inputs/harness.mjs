// Starts `calm-run serve` on a free loopback port and hands out what the
// tests of test/Serve need: the base URL, the OpenAI client (from
// .data/npm, fetched by scripts/fetch-test-data.sh) and small helpers.
// Every check throws with a message; a test's output is for FileCheck.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export function loadOpenAI(npmModules) {
  return createRequire(path.resolve(npmModules) + '/')('openai');
}

export function check(condition, message) {
  if (!condition) throw new Error('check failed: ' + message);
}

// Servers still running when a test fails are killed, not left behind.
const children = new Set();

export async function startServer(calmRun, args = []) {
  const child = spawn(calmRun, ['serve', '--port', '0', '--quiet', ...args],
                      { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let stderr = '';
  const exited = new Promise(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('no "serving" line in 300 s: ' + stderr)), 300000);
    child.stderr.on('data', data => {
      stderr += data;
      const m = stderr.match(/on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error('calm-run serve exited ' + code + ': ' + stderr));
    });
  });
  return {
    child, port, exited, base: `http://127.0.0.1:${port}`,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// A completion over plain fetch: { status, body (parsed JSON) }.
export async function post(base, body, path = '/v1/completions') {
  const res = await fetch(base + path, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = { raw: text }; }
  return { status: res.status, headers: res.headers, body: parsed };
}

// The value of a Prometheus sample, e.g. metric(text, 'calm_sessions_active').
export function metric(text, name) {
  const m = text.match(new RegExp('^' + name.replace(/[{}"]/g, '\\$&') +
                                  ' ([0-9.e+-]+)$', 'm'));
  return m ? Number(m[1]) : undefined;
}

export async function metrics(base) {
  return (await fetch(base + '/metrics')).text();
}

export function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(what + ': no answer in ' + ms + ' ms')), ms);
    }),
  ]);
}

// Runs main() and exits 1 with the error on failure, stopping the server.
export function run(main) {
  main().then(() => process.exit(0), error => {
    console.log('FAILED: ' + (error && error.stack || error));
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  });
}
