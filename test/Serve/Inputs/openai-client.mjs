// The official OpenAI Node client against calm-run serve: a completion
// equal to `calm-run generate`'s for the same seed, the same as a stream,
// stop sequences, and the errors a CALM gives for what it cannot honour.
//   node openai-client.mjs CALM_RUN NPM_MODULES EXPECTED_TEXT_FILE
import { readFileSync } from 'node:fs';
import { check, loadOpenAI, run, startServer } from './harness.mjs';

const [calmRun, npmModules, expectedFile] = process.argv.slice(2);
const OpenAI = loadOpenAI(npmModules);
const expected = readFileSync(expectedFile, 'utf8').replace(/\n$/, '');

run(async () => {
  const server = await startServer(calmRun);
  const client = new OpenAI({ baseURL: server.base + '/v1', apiKey: 'unused',
                              maxRetries: 0, timeout: 60000 });
  const models = await client.models.list();
  console.log('models: ' + models.data.map(m => `${m.id} (${m.kind}, ${m.numerics})`).join(', '));
  const model = models.data[0].id;
  const retrieved = await client.models.retrieve(model);
  check(retrieved.id === model, 'models.retrieve');

  const request = { model, prompt: 'Call me Ishmael.', max_tokens: 24, seed: 3 };
  const completion = await client.completions.create(request);
  const text = completion.choices[0].text;
  console.log(`completion: ${completion.object}, finish ${completion.choices[0].finish_reason}, ` +
              `usage ${completion.usage.prompt_tokens}+${completion.usage.completion_tokens}=` +
              `${completion.usage.total_tokens}`);
  check(text.length > 0, 'the completion has text');
  console.log('completion equals calm-run generate: ' + (text === expected));

  const stream = await client.completions.create({ ...request, stream: true,
                                                   stream_options: { include_usage: true } });
  let streamed = '', events = 0, finish = null, usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    if (!chunk.choices.length) continue;
    streamed += chunk.choices[0].text;
    if (chunk.choices[0].text) ++events;
    if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
  }
  console.log(`stream: ${events} text events, finish ${finish}, usage ${usage && usage.completion_tokens}`);
  check(events >= 2, 'one event per decoded chunk, not one in all');
  console.log('stream equals completion: ' + (streamed === text));

  // A stop sequence taken from the middle of the text: the completion ends
  // before its first occurrence, streamed or not.
  const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 3);
  const cut = text.slice(0, text.indexOf(stop));
  const stopped = await client.completions.create({ ...request, stop: [stop, 'never seen'] });
  let stoppedStream = '', stopFinish = null;
  for await (const chunk of await client.completions.create({ ...request, stop: [stop, 'never seen'], stream: true })) {
    stoppedStream += chunk.choices[0].text;
    stopFinish = chunk.choices[0].finish_reason || stopFinish;
  }
  console.log(`stop: finish ${stopped.choices[0].finish_reason}/${stopFinish}, ` +
              `cut before the sequence: ${stopped.choices[0].text === cut}, ` +
              `stream the same: ${stoppedStream === cut}`);

  // What a CALM cannot honour is a 400 naming the field; the client raises it.
  const refused = [
    [{ temperature: 0 }, 'temperature'], [{ temperature: 1.5 }, 'temperature'],
    [{ logprobs: 2 }, 'logprobs'], [{ n: 2 }, 'n'], [{ top_p: 0.9 }, 'top_p'],
    [{ logit_bias: { '50256': -100 } }, 'logit_bias'], [{ max_tokens: 0 }, 'max_tokens'],
    [{ max_tokens: 1000000 }, 'max_tokens'], [{ echo: true }, 'echo'],
    [{ model: 'gpt-4o' }, 'model'],
  ];
  for (const [extra, param] of refused) {
    try {
      await client.completions.create({ ...request, ...extra });
      console.log(`${param}: accepted`);
    } catch (e) {
      check(e instanceof OpenAI.APIError, 'an APIError for ' + param);
      console.log(`${param}: ${e.status} ${e.error && e.error.type} param=${e.param} code=${e.code}`);
    }
  }
  const { code } = await server.stop();
  console.log('server exit ' + code);
});
