// SIGTERM during a stream: the server stops accepting, the stream in
// flight finishes whole (equal to its twin, ending in [DONE]), and the
// server exits 0.
//   node sigterm.mjs CALM_RUN
import { check, post, run, startServer } from './harness.mjs';

const [calmRun] = process.argv.slice(2);

run(async () => {
  const server = await startServer(calmRun);
  const request = { prompt: 'Call me Ishmael.', max_tokens: 1200, ignore_eos: true, seed: 9 };
  const twin = (await post(server.base, request)).body.choices[0].text;
  const res = await fetch(server.base + '/v1/completions', {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...request, stream: true }),
  });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let raw = '', signalled = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    raw += decoder.decode(value, { stream: true });
    if (!signalled && raw.includes('\n\n')) {
      server.child.kill('SIGTERM');
      signalled = true;
    }
  }
  check(signalled, 'SIGTERM was sent mid-stream');
  let text = '';
  const events = raw.split('\n\n').filter(b => b.startsWith('data: ')).map(b => b.slice(6));
  for (const data of events.slice(0, -1)) text += JSON.parse(data).choices[0].text;
  console.log('stream ended with: ' + events[events.length - 1]);
  console.log('stream whole: ' + (text === twin));
  const { code, signal } = await server.exited;
  console.log(`server exit ${code} ${signal}`);
  let refused = false;
  try { await fetch(server.base + '/health'); } catch { refused = true; }
  console.log('after exit, connections refused: ' + refused);
  check(/SIGTERM: no new requests/.test(server.stderr()), 'the server said why it stopped');
});
