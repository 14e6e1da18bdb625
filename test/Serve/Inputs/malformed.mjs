// Bad requests never crash calm-run serve or disturb a stream running
// beside them: each gets a 4xx with an OpenAI-style JSON error.
//   node malformed.mjs CALM_RUN
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { check, post, run, startServer } from './harness.mjs';

const [calmRun] = process.argv.slice(2);

// Bytes on a raw socket: the status line of the answer. `halfClose` ends
// our side after the bytes (a body cut short); otherwise the socket stays
// open until the server answers or closes.
function raw(port, bytes, halfClose) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () =>
      halfClose ? socket.end(bytes) : socket.write(bytes));
    let answer = '';
    const done = () => resolve(answer.split('\r\n')[0] || '(closed without an answer)');
    socket.on('data', d => {
      answer += d;
      if (!halfClose && answer.includes('\r\n')) { socket.destroy(); done(); }
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}

run(async () => {
  const server = await startServer(calmRun, ['--max-body-bytes', '65536']);
  // A long stream runs through all of it and must come out whole.
  const twin = await post(server.base, { prompt: 'Call me Ishmael.', max_tokens: 600,
                                         ignore_eos: true, seed: 5 });
  const beside = post(server.base, { prompt: 'Call me Ishmael.', max_tokens: 600,
                                     ignore_eos: true, seed: 5 });
  const cases = [
    ['not JSON', '{"prompt": "x",'],
    ['not an object', '[1, 2]'],
    ['unknown field', { prompt: 'x', temprature: 0.5 }],
    ['prompt a number', { prompt: 7 }],
    ['prompt batch', { prompt: ['a', 'b'] }],
    ['token prompt', { prompt: [1, 2, 3] }],
    ['max_tokens a string', { prompt: 'x', max_tokens: '8' }],
    ['max_tokens fractional', { prompt: 'x', max_tokens: 2.5 }],
    ['max_tokens negative', { prompt: 'x', max_tokens: -1 }],
    ['temperature NaN-ish', { prompt: 'x', temperature: 'hot' }],
    ['temperature above 1', { prompt: 'x', temperature: 2 }],
    ['seed a string', { prompt: 'x', seed: 'abc' }],
    ['stop empty', { prompt: 'x', stop: [''] }],
    ['stop too many', { prompt: 'x', stop: ['a', 'b', 'c', 'd', 'e'] }],
    ['stream a string', { prompt: 'x', stream: 'yes' }],
    ['stream_options without stream', { prompt: 'x', stream_options: { include_usage: true } }],
    ['samples below 1/T', { prompt: 'x', temperature: 0.25, samples: 2 }],
    ['samples huge', { prompt: 'x', samples: 100000000 }],
    ['prompt beyond the context', { prompt: 'whale '.repeat(3000), max_tokens: 8 }],
    ['prompt plus max_tokens beyond', { prompt: 'whale '.repeat(1000), max_tokens: 1500 }],
    ['body too large', { prompt: 'x'.repeat(100000) }],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x70, 0x72, 0x6f, 0x6d, 0x70, 0x74, 0x22, 0x3a,
                                   0x22, 0xff, 0xfe, 0x22, 0x7d])],
  ];
  for (const [what, body] of cases) {
    const res = await post(server.base, body);
    const e = res.body.error;
    check(e && typeof e.message === 'string' && typeof e.type === 'string',
          what + ': an OpenAI error body, got ' + JSON.stringify(res.body));
    console.log(`${what}: ${res.status} ${e.type} param=${e.param} code=${e.code}`);
  }
  // A Range header does not turn a completion into a 206 byte slice.
  const ranged = await fetch(server.base + '/v1/completions', {
    method: 'POST', headers: { 'content-type': 'application/json', range: 'bytes=0-5' },
    body: JSON.stringify({ prompt: 'x', max_tokens: 4, seed: 1 }),
  });
  console.log('with a Range header: ' + ranged.status + ', ' +
              (JSON.parse(await ranged.text()).object));
  const get = await fetch(server.base + '/v1/completions');
  console.log('wrong method: ' + get.status + ' allow ' + get.headers.get('allow'));
  console.log('unknown path: ' + (await post(server.base, {}, '/v1/chat/completion')).status);
  console.log('garbage request line: ' + await raw(server.port, 'NONSENSE\r\n\r\n', false));
  console.log('truncated body: ' + await raw(server.port,
    'POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"prompt"', true));

  const result = await beside;
  console.log('the stream beside them: ' + result.status + ', whole: ' +
              (result.body.choices[0].text === twin.body.choices[0].text));
  const health = await fetch(server.base + '/health');
  console.log('health: ' + health.status + ' ' + await health.text());
  // A second server on the same port is an error, not a silent share.
  const second = spawnSync(calmRun, ['serve', '--port', String(server.port)],
                           { encoding: 'utf8', timeout: 120000 });
  console.log(`second server on the port: exit ${second.status}: ` +
              second.stderr.trim().split('\n').pop().replace(/:\d+ /, ':PORT '));
  console.log('server exit ' + (await server.stop()).code);
});
