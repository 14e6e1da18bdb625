// Load on loopback: 8 concurrent streams x 20 requests each, every one
// equal to its sequential twin (the same request alone, not streamed), none
// lost; then a server with one session and a queue of one refuses the
// overflow with 429 and a JSON error, and serves the rest.
//   node load.mjs CALM_RUN
import { check, metric, metrics, post, run, startServer, withTimeout } from './harness.mjs';

const [calmRun] = process.argv.slice(2);
const prompts = ['Call me Ishmael.', 'It was the best of times', '', 'The whale',
                 'Some years ago, never mind how long precisely'];

// The concatenated text of a stream, read with plain fetch.
async function streamText(base, body) {
  const res = await fetch(base + '/v1/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
  });
  check(res.status === 200, 'stream status ' + res.status);
  const raw = await res.text();
  let text = '', done = false;
  for (const block of raw.split('\n\n')) {
    if (!block.startsWith('data: ')) continue;
    const data = block.slice(6);
    if (data === '[DONE]') { done = true; continue; }
    const event = JSON.parse(data);
    check(!event.error, 'error event ' + data);
    text += event.choices[0].text;
  }
  check(done, 'the stream ended with [DONE]');
  return text;
}

run(async () => {
  const server = await startServer(calmRun, ['--parallel', '4', '--max-queue', '16']);
  const requests = [];
  for (let w = 0; w < 8; ++w)
    for (let i = 0; i < 20; ++i)
      requests.push({ prompt: prompts[(w + i) % prompts.length], max_tokens: 16 + 4 * (i % 5),
                      ...(i % 3 === 0 ? { temperature: 0.5, samples: 4 } : {}),
                      seed: 1000 * w + i, worker: w });
  const twins = new Map();
  for (const r of requests) {
    const { worker, ...body } = r;
    const res = await post(server.base, body);
    check(res.status === 200, 'twin status ' + res.status + ' ' + JSON.stringify(res.body));
    twins.set(body.seed, res.body.choices[0].text);
  }
  const started = Date.now();
  let failed = 0, mismatched = 0, done = 0;
  await withTimeout(Promise.all([...Array(8).keys()].map(async w => {
    for (const r of requests.filter(r => r.worker === w)) {
      const { worker, ...body } = r;
      try {
        const text = await streamText(server.base, body);
        if (text !== twins.get(body.seed)) ++mismatched;
        ++done;
      } catch (e) {
        console.log('request failed: ' + e.message);
        ++failed;
      }
    }
  })), 300000, 'the load');
  const seconds = (Date.now() - started) / 1000;
  console.log(`load: ${done} of ${requests.length} streams done, ${failed} failed, ` +
              `${mismatched} differ from their sequential twin`);
  // A stream's last bytes reach the client before its handler has counted
  // the request and left the session (a loaded machine shows "active 1,
  // completions 319" here): wait, boundedly, for the server to settle.
  const counts = (t) => `${metric(t, 'calm_sessions_active')} ` +
      `${metric(t, 'calm_requests_total{path="/v1/completions",status="200"}')}`;
  let m = await metrics(server.base);
  for (let i = 0; i < 50; ++i) {
    await new Promise((r) => setTimeout(r, 100));
    const next = await metrics(server.base);
    const settled = metric(next, 'calm_sessions_active') === 0 && counts(next) === counts(m);
    m = next;
    if (settled)
      break;
  }
  console.log(`metrics: active ${metric(m, 'calm_sessions_active')}, queued ` +
              `${metric(m, 'calm_queue_depth')}, completions 200: ` +
              `${metric(m, 'calm_requests_total{path="/v1/completions",status="200"}')}`);
  console.error(`(8 streams x 20 requests in ${seconds.toFixed(1)} s)`);
  console.log('server exit ' + (await server.stop()).code);

  // One session and a queue of one: of 6 long requests at once, one runs,
  // one waits, the rest are refused at once with 429.
  const small = await startServer(calmRun, ['--parallel', '1', '--max-queue', '1']);
  const long = { prompt: 'Call me Ishmael.', max_tokens: 2000, ignore_eos: true, seed: 1 };
  const answers = await Promise.all([...Array(6).keys()].map(() => post(small.base, long)));
  const statuses = answers.map(a => a.status).sort();
  const refused = answers.filter(a => a.status === 429);
  console.log('overflow statuses: ' + statuses.join(' '));
  check(refused.every(a => a.body.error && a.body.error.type === 'server_busy' &&
                      a.headers.get('retry-after') === '1'), '429 bodies');
  console.log('429 body: ' + JSON.stringify(refused[0].body));
  const after = await post(small.base, { prompt: 'x', max_tokens: 8, seed: 2 });
  console.log('after the overflow: ' + after.status);
  console.log('server exit ' + (await small.stop()).code);
});
