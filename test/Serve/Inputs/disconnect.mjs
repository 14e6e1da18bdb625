// A client that goes away mid-stream frees its session at the next chunk:
// with one session, the next request is served at once, and the metrics
// count the disconnect.
//   node disconnect.mjs CALM_RUN
import http from 'node:http';
import { check, metric, metrics, post, run, startServer, withTimeout } from './harness.mjs';

const [calmRun] = process.argv.slice(2);

run(async () => {
  const server = await startServer(calmRun, ['--parallel', '1', '--max-queue', '4']);
  const body = JSON.stringify({ prompt: 'Call me Ishmael.', max_tokens: 2000,
                                ignore_eos: true, stream: true, seed: 1 });
  // Reads the first event, then closes the connection.
  const firstEvent = await new Promise((resolve, reject) => {
    const req = http.request(server.base + '/v1/completions',
                             { method: 'POST', headers: { 'content-type': 'application/json' } },
                             res => res.once('data', d => { resolve(String(d)); req.destroy(); }));
    req.on('error', e => { if (e.code !== 'ECONNRESET') reject(e); });
    req.end(body);
  });
  console.log('first event: ' + firstEvent.slice(0, 6));
  // The session comes back long before 2000 tokens would have decoded.
  let m;
  for (let i = 0; i < 200; ++i) {
    m = await metrics(server.base);
    if (metric(m, 'calm_sessions_active') === 0) break;
    await new Promise(r => setTimeout(r, 10));
  }
  console.log(`after the disconnect: active ${metric(m, 'calm_sessions_active')}, ` +
              `disconnects ${metric(m, 'calm_client_disconnects_total')}`);
  const generated = metric(m, 'calm_completion_tokens_total');
  check(generated < 2000, `stopped early (${generated} tokens)`);
  console.log('stopped before the end: true');
  const next = await withTimeout(post(server.base, { prompt: 'x', max_tokens: 8, seed: 2 }),
                                 30000, 'the next request');
  console.log('next request: ' + next.status);
  console.log('server exit ' + (await server.stop()).code);
});
